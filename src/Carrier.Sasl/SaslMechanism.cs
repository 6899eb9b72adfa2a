using System.Text;

namespace Carrier.Sasl;

/// <summary>One step of a SASL exchange (RFC 4422): send a challenge, or finish with credentials or a failure.</summary>
public abstract record SaslStep;

/// <summary>The server sends these octets (base64-encoded by the protocol) and waits for the client's answer.</summary>
public sealed record SaslChallenge(byte[] Data) : SaslStep;

/// <summary>The exchange produced a user name and password; the protocol checks them with the directory.</summary>
/// <param name="AuthorizationId">Who the client wants to act as; empty means the user itself.</param>
public sealed record SaslCredentials(string AuthorizationId, string UserName, string Password) : SaslStep;

/// <summary>The client's input was malformed; the reason is for logs, not for the client.</summary>
/// <param name="ServerError">An RFC 5802 server-error-value the client may be told (such as "channel-binding-not-supported").</param>
public sealed record SaslFailure(string Reason, string? ServerError = null) : SaslStep;

/// <summary>
/// A SASL mechanism as a pure state machine: bytes in, a step out. No I/O, no user lookup; shared by SMTP,
/// IMAP and POP3, which frame the exchange in their own syntax.
/// </summary>
public interface ISaslMechanism
{
    string Name { get; }

    /// <summary>Begins the exchange; <paramref name="initialResponse"/> is the client's first message when it sent one (SASL-IR).</summary>
    SaslStep Start(byte[]? initialResponse);

    /// <summary>Continues with the client's answer to the last challenge.</summary>
    SaslStep Continue(byte[] response);
}

/// <summary>Creates mechanisms by name.</summary>
public static class SaslMechanisms
{
    public static readonly IReadOnlyList<string> Names = ["SCRAM-SHA-256", "PLAIN", "LOGIN"];

    public static ISaslMechanism? Create(string name) => name.ToUpperInvariant() switch
    {
        "SCRAM-SHA-256" => new ScramSha256Mechanism(),
        "PLAIN" => new PlainMechanism(),
        "LOGIN" => new LoginMechanism(),
        _ => null,
    };

    /// <summary>Decodes a base64 client message; "=" is the empty message (RFC 4954 §4). Null when it is not base64.</summary>
    public static byte[]? DecodeClientMessage(string text)
    {
        text = text.Trim();
        if (text == "=")
        {
            return [];
        }

        var buffer = new byte[((text.Length + 3) / 4) * 3];
        return Convert.TryFromBase64String(text, buffer, out int written) ? buffer[..written] : null;
    }

    internal static string? Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
