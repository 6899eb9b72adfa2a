using System.Buffers;
using System.Text;
using Carrier.Net.Framing;
using Carrier.Sasl;
using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Server;

/// <summary>AUTH (RFC 4954): the SASL exchange framed as 334 challenges and base64 response lines.</summary>
public sealed partial class SmtpSession
{
    /// <summary>RFC 4954 §4: a server must accept response lines of at least 12,288 octets.</summary>
    private const int MaxSaslLineLength = 12288;

    private static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication successful");
    private static readonly SmtpReply AuthFailed = new(535, "5.7.8", "Error: authentication failed");
    private static readonly SmtpReply AuthAborted = new(501, "5.0.0", "Authentication aborted");
    private static readonly SmtpReply AuthNotBase64 = new(501, "5.5.2", "Error: cannot decode response (not base64)");
    private static readonly SmtpReply AuthMalformed = new(501, "5.5.2", "Error: malformed authentication response");
    private static readonly SmtpReply AuthUnknownMechanism = new(504, "5.5.4", "Error: unsupported authentication mechanism");
    private static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Error: already authenticated");
    private static readonly SmtpReply EncryptionRequired = new(538, "5.7.11", "Error: encryption required for requested authentication mechanism; use STARTTLS first");

    private ISaslMechanism? _sasl;

    /// <summary>SCRAM: the address whose proof held, logged in once the client acknowledges the server's signature.</summary>
    private string? _saslVerifiedUser;

    /// <summary>Whether AUTH may be offered and used on this connection as it stands.</summary>
    private bool AuthAvailable =>
        _options.Authenticator is not null && (_connection.IsTls || _options.PlaintextAuthAllowed(_context.RemoteEndPoint.Address));

    private async ValueTask<bool> AuthAsync(AuthCommand command)
    {
        if (_options.Authenticator is null)
        {
            _counters.Count("auth", ok: false);
            return Fail(AuthNotEnabled);
        }

        if (_context.AuthenticatedUser is not null)
        {
            _counters.Count("auth", ok: false);
            return Fail(AlreadyAuthenticated);
        }

        if (!AuthAvailable)
        {
            _counters.Count("auth", ok: false);
            return Fail(EncryptionRequired);
        }

        if (SaslMechanisms.Create(command.Mechanism) is not { } mechanism)
        {
            _counters.Count("auth", ok: false);
            return Fail(AuthUnknownMechanism);
        }

        byte[]? initial = null;
        if (command.InitialResponse is { } text)
        {
            initial = SaslMechanisms.DecodeClientMessage(text);
            if (initial is null)
            {
                _counters.Count("auth", ok: false);
                return Fail(AuthNotBase64);
            }
        }

        _sasl = mechanism;
        return await SaslStepAsync(mechanism.Start(initial));
    }

    /// <summary>One response line of the exchange: "*" cancels (RFC 4954 §4), anything else is base64.</summary>
    private async ValueTask<bool> ContinueSaslAsync(ReadOnlySequence<byte> line)
    {
        var mechanism = _sasl!;
        string text = Encoding.ASCII.GetString(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
        if (text == "*")
        {
            EndSasl();
            _counters.Count("auth", ok: false);
            return Fail(AuthAborted);
        }

        if (SaslMechanisms.DecodeClientMessage(text) is not { } response)
        {
            EndSasl();
            _counters.Count("auth", ok: false);
            return Fail(AuthNotBase64);
        }

        return await SaslStepAsync(mechanism.Continue(response));
    }

    private async ValueTask<bool> SaslStepAsync(SaslStep step)
    {
        switch (step)
        {
            case SaslChallenge challenge:
                _framing = SmtpFraming.SaslResponse;
                Reply(new SmtpReply(334, null, Convert.ToBase64String(challenge.Data)));
                return false;

            case SaslCredentials credentials:
                EndSasl();
                string? user = credentials.AuthorizationId.Length > 0 && !string.Equals(credentials.AuthorizationId, credentials.UserName, StringComparison.OrdinalIgnoreCase)
                    ? null // acting as someone else is not offered
                    : await _options.Authenticator!.AuthenticateAsync(_context, credentials.UserName, credentials.Password, _connection.Aborted);
                return user is null ? AuthFailure(credentials.UserName) : AuthSuccess(user);

            case ScramCredentialsNeeded needed:
                if (needed.AuthorizationId.Length > 0 && !string.Equals(needed.AuthorizationId, needed.UserName, StringComparison.OrdinalIgnoreCase))
                {
                    EndSasl();
                    return AuthFailure(needed.UserName);
                }

                var credentialsFound = await _options.Authenticator!.GetScramCredentialsAsync(_context, needed.UserName, _connection.Aborted);
                return await SaslStepAsync(needed.Mechanism.ServerFirst(credentialsFound));

            case ScramProofReceived proof:
                _saslVerifiedUser = await _options.Authenticator!.VerifyScramAsync(_context, proof.UserName, proof.Mechanism, _connection.Aborted);
                if (_saslVerifiedUser is null)
                {
                    EndSasl();
                    return AuthFailure(proof.UserName);
                }

                // RFC 4954 §4: data that comes with success is sent as one more 334, answered with an empty line.
                return await SaslStepAsync(proof.Mechanism.ServerFinal());

            case SaslVerified when _saslVerifiedUser is { } verified:
                EndSasl();
                return AuthSuccess(verified);

            case SaslFailure { ServerError: { } serverError } failure:
                EndSasl();
                _counters.Count("auth", ok: false);
                LogSaslFailed(_context.ClientDescription, failure.Reason);
                return Fail(new SmtpReply(535, "5.7.8", "Error: authentication failed: " + serverError));

            default:
                EndSasl();
                _counters.Count("auth", ok: false);
                if (step is SaslFailure malformed)
                {
                    LogSaslFailed(_context.ClientDescription, malformed.Reason);
                }

                return Fail(AuthMalformed);
        }
    }

    private bool AuthFailure(string userName)
    {
        _counters.Count("auth", ok: false);
        LogAuthFailed(_context.ClientDescription, userName);
        return Fail(AuthFailed);
    }

    private bool AuthSuccess(string user)
    {
        _context.AuthenticatedUser = user;
        _counters.Count("auth", ok: true);
        LogAuthenticated(_context.ClientDescription, user);
        Reply(AuthSucceeded);
        return false;
    }

    /// <summary>Reads the next response line of a SASL exchange; returns what is left and whether to close.</summary>
    private async ValueTask<(ReadOnlySequence<byte> Remaining, bool Close, bool Incomplete)> ReceiveSaslLineAsync(ReadOnlySequence<byte> buffer)
    {
        var status = LineReader.TryReadLine(buffer, MaxSaslLineLength, out var line, out var next);
        switch (status)
        {
            case LineStatus.Incomplete:
                return (buffer, false, true);
            case LineStatus.TooLong:
                // Skipping the line answers it with 500; the exchange is over.
                EndSasl();
                _framing = SmtpFraming.SkipLine;
                _counters.Count("auth", ok: false);
                return (buffer, false, false);
            case LineStatus.BareLineFeed:
            case LineStatus.BareCarriageReturn:
                EndSasl();
                _counters.Count("auth", ok: false);
                return (buffer.Slice(next), Fail(SmtpReplies.BareLineEnd), false);
        }

        return (buffer.Slice(next), await ContinueSaslAsync(line), false);
    }

    private void EndSasl()
    {
        _sasl = null;
        _saslVerifiedUser = null;
        if (_framing == SmtpFraming.SaslResponse)
        {
            _framing = SmtpFraming.Command;
        }
    }
}
