using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Carrier.Sasl;

/// <summary>
/// RFC 5802 SCRAM with SHA-256 (RFC 7677), without channel binding: the client proves it knows the password
/// without sending it, and the server proves it knows the user's keys. The mechanism stays pure: it asks
/// the protocol for the user's credentials (<see cref="ScramCredentialsNeeded"/>) and for the login guard's
/// check of the proof (<see cref="ScramProofReceived"/>), and never looks anything up itself.
/// </summary>
public sealed class ScramSha256Mechanism : ISaslMechanism
{
    /// <summary>Client messages are a few attributes of printable text; 4 KiB leaves room for long names and nonces.</summary>
    private const int MaxMessage = 4096;

    private const int NonceBytes = 24;

    private readonly Func<string> _serverNonce;
    private State _state = State.AwaitClientFirst;
    private string _gs2Header = string.Empty;
    private string _clientFirstBare = string.Empty;
    private string _nonce = string.Empty;
    private string _serverFirst = string.Empty;
    private string _authorizationId = string.Empty;
    private string _userName = string.Empty;
    private ScramCredentials? _credentials;
    private byte[] _authMessage = [];
    private byte[] _proof = [];

    /// <param name="serverNonce">The server's part of the nonce; printable ASCII without ','. Tests pass RFC 7677's.</param>
    public ScramSha256Mechanism(Func<string>? serverNonce = null)
    {
        _serverNonce = serverNonce ?? RandomNonce;
    }

    private enum State
    {
        AwaitClientFirst,
        AwaitCredentials,
        AwaitClientFinal,
        AwaitProofCheck,
        AwaitAcknowledgement,
        Finished,
    }

    public string Name => "SCRAM-SHA-256";

    public SaslStep Start(byte[]? initialResponse) =>
        initialResponse is null || initialResponse.Length == 0 ? new SaslChallenge([]) : Continue(initialResponse);

    public SaslStep Continue(byte[] response)
    {
        if (response.Length > MaxMessage)
        {
            return Fail("SCRAM message too long");
        }

        string? text = SaslMechanisms.Utf8(response);
        if (text is null)
        {
            return Fail("SCRAM message is not UTF-8");
        }

        return _state switch
        {
            State.AwaitClientFirst => ClientFirst(text),
            State.AwaitClientFinal => ClientFinal(text),
            State.AwaitAcknowledgement when text.Length == 0 => Finish(),
            State.AwaitAcknowledgement => Fail("SCRAM client answered the server's final message with data"),
            _ => Fail("SCRAM message out of order"),
        };
    }

    /// <summary>Answers the client's first message with the salt, the iteration count and the combined nonce.</summary>
    public SaslStep ServerFirst(ScramCredentials credentials)
    {
        if (_state != State.AwaitCredentials)
        {
            return Fail("SCRAM credentials given out of order");
        }

        _credentials = credentials;
        _nonce += _serverNonce();
        _serverFirst = string.Create(CultureInfo.InvariantCulture, $"r={_nonce},s={Convert.ToBase64String(credentials.Salt)},i={credentials.Iterations}");
        _state = State.AwaitClientFinal;
        return new SaslChallenge(Encoding.UTF8.GetBytes(_serverFirst));
    }

    /// <summary>
    /// Whether the client's proof matches the stored key: ClientKey = ClientProof XOR ClientSignature, and
    /// H(ClientKey) must equal StoredKey. The comparison takes the same time whatever the bytes.
    /// </summary>
    public bool ProofHolds()
    {
        if (_state != State.AwaitProofCheck || _credentials is null || _proof.Length != SHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> clientKey = stackalloc byte[SHA256.HashSizeInBytes];
        HMACSHA256.HashData(_credentials.StoredKey, _authMessage, clientKey);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= _proof[i];
        }

        Span<byte> storedKey = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(clientKey, storedKey);
        return CryptographicOperations.FixedTimeEquals(storedKey, _credentials.StoredKey);
    }

    /// <summary>The server's final message, "v=" ServerSignature, once the proof has been found to hold.</summary>
    public SaslStep ServerFinal()
    {
        if (_state != State.AwaitProofCheck || !ProofHolds())
        {
            return Fail("SCRAM server final message asked for without a valid proof");
        }

        byte[] signature = HMACSHA256.HashData(_credentials!.ServerKey, _authMessage);
        _state = State.AwaitAcknowledgement;
        return new SaslChallenge(Encoding.ASCII.GetBytes("v=" + Convert.ToBase64String(signature)));
    }

    private SaslStep ClientFirst(string message)
    {
        // gs2-header = gs2-cbind-flag "," [authzid] "," ; the rest is client-first-message-bare.
        int first = message.IndexOf(',', StringComparison.Ordinal);
        int second = first < 0 ? -1 : message.IndexOf(',', first + 1);
        if (second < 0)
        {
            return Fail("SCRAM client-first message without a GS2 header");
        }

        string flag = message[..first];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            // RFC 5802 §7: a server that offers no -PLUS variant fails a client that asks for channel binding.
            return Fail("SCRAM client asked for channel binding", "channel-binding-not-supported");
        }

        // "y": the client could bind but believes the server cannot, which is true here (§6).
        if (flag is not ("n" or "y"))
        {
            return Fail("SCRAM client-first message with an unknown channel binding flag");
        }

        string authzid = message[(first + 1)..second];
        if (authzid.Length > 0)
        {
            if (!authzid.StartsWith("a=", StringComparison.Ordinal) || DecodeSaslName(authzid[2..]) is not { Length: > 0 } decoded)
            {
                return Fail("SCRAM authorization identity is malformed", "invalid-encoding");
            }

            _authorizationId = decoded;
        }

        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes[0].StartsWith("m=", StringComparison.Ordinal))
        {
            return Fail("SCRAM client asked for a mandatory extension", "extensions-not-supported");
        }

        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            return Fail("SCRAM client-first message without user name and nonce", "other-error");
        }

        if (DecodeSaslName(attributes[0][2..]) is not { Length: > 0 } user)
        {
            return Fail("SCRAM user name is malformed", "invalid-username-encoding");
        }

        string nonce = attributes[1][2..];
        if (nonce.Length == 0 || !IsPrintable(nonce))
        {
            return Fail("SCRAM client nonce is empty or not printable", "other-error");
        }

        _userName = user;
        _nonce = nonce;
        _state = State.AwaitCredentials;
        return new ScramCredentialsNeeded(_authorizationId, _userName, this);
    }

    private SaslStep ClientFinal(string message)
    {
        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        int proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return Fail("SCRAM client-final message without a proof", "other-error");
        }

        string withoutProof = message[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("c=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            return Fail("SCRAM client-final message without channel binding and nonce", "other-error");
        }

        // Without channel binding, c= carries the GS2 header of the first message unchanged (§7).
        if (attributes[0][2..] != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
        {
            return Fail("SCRAM channel binding data differs from the GS2 header", "channel-bindings-dont-match");
        }

        if (!string.Equals(attributes[1][2..], _nonce, StringComparison.Ordinal))
        {
            return Fail("SCRAM nonce differs from the one the server sent", "other-error");
        }

        var proof = new byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(message[(proofAt + 3)..], proof, out int written) || written != proof.Length)
        {
            return Fail("SCRAM proof is not 32 octets of base64", "invalid-proof");
        }

        _proof = proof;
        _authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        _state = State.AwaitProofCheck;
        return new ScramProofReceived(_authorizationId, _userName, this);
    }

    private SaslVerified Finish()
    {
        _state = State.Finished;
        return new SaslVerified(_authorizationId, _userName);
    }

    private SaslFailure Fail(string reason, string? serverError = null)
    {
        _state = State.Finished;
        return new SaslFailure(serverError is null ? reason : $"{reason} (e={serverError})", serverError);
    }

    /// <summary>RFC 5802 §5.1 saslname: "," is written "=2C" and "=" is written "=3D"; any other "=" is malformed.</summary>
    internal static string? DecodeSaslName(string encoded)
    {
        var decoded = new StringBuilder(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            char c = encoded[i];
            if (c == ',')
            {
                return null;
            }

            if (c != '=')
            {
                decoded.Append(c);
                continue;
            }

            if (string.CompareOrdinal(encoded, i, "=2C", 0, 3) == 0)
            {
                decoded.Append(',');
            }
            else if (string.CompareOrdinal(encoded, i, "=3D", 0, 3) == 0)
            {
                decoded.Append('=');
            }
            else
            {
                return null;
            }

            i += 2;
        }

        return decoded.ToString();
    }

    /// <summary>The inverse of <see cref="DecodeSaslName"/>, for tests and clients.</summary>
    internal static string EncodeSaslName(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    private static bool IsPrintable(string nonce)
    {
        foreach (char c in nonce)
        {
            if (c is < '!' or > '~' || c == ',')
            {
                return false;
            }
        }

        return true;
    }

    private static string RandomNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(NonceBytes));
}
