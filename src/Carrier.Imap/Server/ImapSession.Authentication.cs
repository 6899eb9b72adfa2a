using System.Text;
using Carrier.Directory;
using Carrier.Sasl;
using Carrier.Store.Accounts;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>SCRAM: the account found for the named user (null for an unknown one), then the one whose proof held.</summary>
    private Account? _scramAccount;

    private bool PlaintextAuthAllowed =>
        _options.AllowPlaintextAuth || _connection.IsTls || (_options.PlaintextAuthAllowed?.Invoke(_connection.RemoteEndPoint.Address) ?? false);

    private string CapabilityList()
    {
        var capabilities = new List<string> { "IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE" };
        if (_options.StartTls is not null && !_connection.IsTls && _state == ImapState.NotAuthenticated)
        {
            capabilities.Add("STARTTLS");
        }

        if (!PlaintextAuthAllowed)
        {
            capabilities.Add("LOGINDISABLED");
        }
        else if (_state == ImapState.NotAuthenticated)
        {
            capabilities.AddRange(SaslMechanisms.Names.Select(name => "AUTH=" + name));
        }

        capabilities.AddRange(["UNSELECT", "UIDPLUS", "MOVE", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "ESEARCH", "SEARCHRES", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "CONDSTORE", "QRESYNC", "BINARY", "UTF8=ACCEPT", "STATUS=SIZE", "MULTIAPPEND", $"APPENDLIMIT={_options.MaxMessageSize}"]);
        return string.Join(' ', capabilities);
    }

    private bool Capability(CommandContext command)
    {
        if (!command.Args.AtEnd)
        {
            return Bad(command.Tag, "CAPABILITY takes no arguments");
        }

        _out.Line("* CAPABILITY " + CapabilityList());
        return Ok(command, "CAPABILITY completed");
    }

    private async Task<bool> StartTlsAsync(CommandContext command)
    {
        if (_options.StartTls is not { } tls || _connection.IsTls || tls() is not { } tlsOptions)
        {
            return Bad(command.Tag, "STARTTLS is not available");
        }

        Ok(command, "Begin TLS negotiation now");
        await _out.FlushAsync(Aborted);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(Aborted);
        handshake.CancelAfter(TimeSpan.FromSeconds(30));
        await _connection.UpgradeToTlsAsync(tlsOptions, handshake.Token);
        return false;
    }

    private async Task<bool> LoginAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !args.TryReadAString(out string user) || !args.Space() || !args.TryReadAString(out string password) || !args.AtEnd)
        {
            return BadSyntax(command, "LOGIN user password");
        }

        if (!PlaintextAuthAllowed)
        {
            return No(command, "[PRIVACYREQUIRED] Use STARTTLS first");
        }

        return await CompleteLoginAsync(command.Tag, user, password, "LOGIN");
    }

    private async Task<bool> AuthenticateAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !args.TryReadAtom(out string mechanismName))
        {
            return BadSyntax(command, "AUTHENTICATE mechanism [initial-response]");
        }

        byte[]? initial = null;
        if (args.Space())
        {
            if (!args.TryReadAtom(out string encoded) || !args.AtEnd || (initial = SaslMechanisms.DecodeClientMessage(encoded)) is null)
            {
                return Bad(command.Tag, "Invalid base64 initial response");
            }
        }
        else if (!args.AtEnd)
        {
            return BadSyntax(command, "AUTHENTICATE mechanism [initial-response]");
        }

        if (!PlaintextAuthAllowed)
        {
            return No(command, "[PRIVACYREQUIRED] Use STARTTLS first");
        }

        var mechanism = SaslMechanisms.Create(mechanismName);
        if (mechanism is null)
        {
            return No(command, "Unsupported authentication mechanism");
        }

        _sasl = mechanism;
        _pendingTag = command.Tag;
        return await SaslStepAsync(mechanism.Start(initial));
    }

    private async ValueTask<(bool Close, bool Progressed)> ContinueSaslAsync(byte[] line)
    {
        var mechanism = _sasl!;
        _mode = InputMode.Command;
        string text = Encoding.ASCII.GetString(line);
        if (text == "*")
        {
            _sasl = null;
            return (Bad(_pendingTag, "Authentication cancelled"), true);
        }

        byte[]? response = SaslMechanisms.DecodeClientMessage(text);
        if (response is null)
        {
            _sasl = null;
            return (Bad(_pendingTag, "Invalid base64 response"), true);
        }

        return (await SaslStepAsync(mechanism.Continue(response)), true);
    }

    private async Task<bool> SaslStepAsync(SaslStep step)
    {
        switch (step)
        {
            case SaslChallenge challenge:
                _out.Line("+ " + Convert.ToBase64String(challenge.Data));
                _mode = InputMode.SaslResponse;
                return false;
            case SaslCredentials credentials:
                _sasl = null;
                if (credentials.AuthorizationId.Length > 0 && !string.Equals(credentials.AuthorizationId, credentials.UserName, StringComparison.OrdinalIgnoreCase))
                {
                    return await FailLoginAsync(_pendingTag, credentials.UserName, "authorization identity differs from the user");
                }

                return await CompleteLoginAsync(_pendingTag, credentials.UserName, credentials.Password, "AUTHENTICATE");
            case ScramCredentialsNeeded needed:
                if (needed.AuthorizationId.Length > 0 && !string.Equals(needed.AuthorizationId, needed.UserName, StringComparison.OrdinalIgnoreCase))
                {
                    _sasl = null;
                    return await FailLoginAsync(_pendingTag, needed.UserName, "authorization identity differs from the user");
                }

                var key = await _logins.PasswordKeyAsync(needed.UserName, Aborted);
                _scramAccount = key.Account;
                return await SaslStepAsync(needed.Mechanism.ServerFirst(ScramCredentials.FromSaltedPassword(key.Salt, key.Iterations, key.SaltedPassword)));
            case ScramProofReceived proof:
                var (verdict, account) = await _logins.ScramProofAsync(_connection.RemoteEndPoint.Address, proof.UserName, proof.Mechanism.ProofHolds(), _scramAccount, Aborted);
                _scramAccount = account;
                if (account is null)
                {
                    _sasl = null;
                    return await FailLoginAsync(_pendingTag, proof.UserName, RefusalReason(verdict));
                }

                // The server's signature goes out as one more challenge; the client's empty answer completes the login.
                return await SaslStepAsync(proof.Mechanism.ServerFinal());
            case SaslVerified when _scramAccount is { } verified:
                _sasl = null;
                _scramAccount = null;
                return LoggedIn(_pendingTag, verified, "AUTHENTICATE");
            default:
                _sasl = null;
                _scramAccount = null;
                return await FailLoginAsync(_pendingTag, null, step is SaslFailure failure ? failure.Reason : "SCRAM exchange out of order");
        }
    }

    private async Task<bool> CompleteLoginAsync(string tag, string user, string password, string method)
    {
        var (verdict, account) = await _logins.PasswordAsync(_connection.RemoteEndPoint.Address, user, password, Aborted);
        return account is null ? await FailLoginAsync(tag, user, RefusalReason(verdict)) : LoggedIn(tag, account, method);
    }

    private static string RefusalReason(LoginVerdict verdict) =>
        verdict == LoginVerdict.Blocked ? "too many recent failures, refused without checking" : "wrong user name or password";

    private bool LoggedIn(string tag, Account account, string method)
    {
        _account = account;
        _state = ImapState.Authenticated;
        LogLogin(account.Address, Client, method);
        _out.Line($"{tag} OK [CAPABILITY {CapabilityList()}] Logged in");
        return false;
    }

    private async Task<bool> FailLoginAsync(string tag, string? user, string reason)
    {
        _authFailures++;
        LogLoginFailed(user ?? "?", Client, reason);

        // A short pause makes guessing slow without holding a server resource worth mentioning.
        await Task.Delay(TimeSpan.FromMilliseconds(200 * _authFailures), _time, Aborted);
        _out.Line($"{tag} NO [AUTHENTICATIONFAILED] Authentication failed");
        if (_authFailures >= _options.MaxAuthFailures)
        {
            _out.Line("* BYE Too many failed logins");
            return true;
        }

        return false;
    }

    private bool Enable(CommandContext command)
    {
        var args = command.Args;
        var enabled = new List<string>();
        if (!args.Space())
        {
            return BadSyntax(command, "ENABLE capability...");
        }

        do
        {
            if (!args.TryReadAtom(out string name))
            {
                return BadSyntax(command, "ENABLE capability...");
            }

            switch (name.ToUpperInvariant())
            {
                case "IMAP4REV2":
                    _rev2 = true;
                    enabled.Add("IMAP4rev2");
                    break;
                case "UTF8=ACCEPT":
                    _out.Utf8 = true;
                    enabled.Add("UTF8=ACCEPT");
                    break;
                case "CONDSTORE":
                    _condStore = true;
                    enabled.Add("CONDSTORE");
                    break;
                case "QRESYNC":
                    _condStore = true;
                    _qresync = true;
                    enabled.Add("QRESYNC");
                    break;
            }
        }
        while (args.Space());

        if (!args.AtEnd)
        {
            return BadSyntax(command, "ENABLE capability...");
        }

        // RFC 5161 §3.1: the ENABLED response lists only what this command newly enabled; it is sent even when empty.
        _out.Line("* ENABLED" + string.Concat(enabled.Select(name => " " + name)));
        return Ok(command, "ENABLE completed");
    }

    private bool Id(CommandContext command)
    {
        // RFC 2971: ID ( "field" "value" ... ) or ID NIL; the client's values are only read, never echoed.
        var args = command.Args;
        if (!args.Space())
        {
            return BadSyntax(command, "ID (field value ...) or ID NIL");
        }

        if (!args.TryReadKeyword("NIL"))
        {
            if (!args.TryRead((byte)'('))
            {
                return BadSyntax(command, "ID (field value ...) or ID NIL");
            }

            int pairs = 0;
            while (!args.TryRead((byte)')'))
            {
                if ((pairs > 0 && !args.Space()) || !args.TryReadString(out _) || !args.Space() || !args.TryReadNString(out _) || ++pairs > 30)
                {
                    return BadSyntax(command, "ID (field value ...) or ID NIL");
                }
            }
        }

        if (!args.AtEnd)
        {
            return BadSyntax(command, "ID (field value ...) or ID NIL");
        }

        _out.Line("* ID (\"name\" \"Carrier\" \"vendor\" \"Carrier\")");
        return Ok(command, "ID completed");
    }

    private bool Namespace(CommandContext command)
    {
        if (!command.Args.AtEnd)
        {
            return Bad(command.Tag, "NAMESPACE takes no arguments");
        }

        // RFC 2342: one personal namespace with the "/" delimiter, no other users' or shared namespaces.
        _out.Line("* NAMESPACE ((\"\" \"/\")) NIL NIL");
        return Ok(command, "NAMESPACE completed");
    }
}
