namespace Carrier.Sasl;

/// <summary>RFC 4616 PLAIN: one message, <c>[authzid] NUL authcid NUL passwd</c>, UTF-8.</summary>
public sealed class PlainMechanism : ISaslMechanism
{
    private const int MaxMessage = 1024;

    public string Name => "PLAIN";

    public SaslStep Start(byte[]? initialResponse) =>
        initialResponse is null ? new SaslChallenge([]) : Continue(initialResponse);

    public SaslStep Continue(byte[] response)
    {
        if (response.Length > MaxMessage)
        {
            return new SaslFailure("PLAIN message too long");
        }

        int first = Array.IndexOf(response, (byte)0);
        int second = first < 0 ? -1 : Array.IndexOf(response, (byte)0, first + 1);
        if (first < 0 || second < 0 || Array.IndexOf(response, (byte)0, second + 1) >= 0)
        {
            return new SaslFailure("PLAIN message must have exactly two NUL separators");
        }

        string? authorization = SaslMechanisms.Utf8(response.AsSpan(0, first));
        string? user = SaslMechanisms.Utf8(response.AsSpan(first + 1, second - first - 1));
        string? password = SaslMechanisms.Utf8(response.AsSpan(second + 1));
        if (authorization is null || user is null || password is null)
        {
            return new SaslFailure("PLAIN message is not UTF-8");
        }

        return user.Length == 0 ? new SaslFailure("PLAIN message without a user name") : new SaslCredentials(authorization, user, password);
    }
}
