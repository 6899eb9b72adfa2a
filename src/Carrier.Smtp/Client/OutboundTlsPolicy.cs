namespace Carrier.Smtp.Client;

/// <summary>How much TLS a destination gets, after Postfix's smtp_tls_security_level.</summary>
public enum TlsLevel
{
    /// <summary>Plain text, even when the server offers STARTTLS.</summary>
    None,

    /// <summary>Opportunistic (RFC 7435): STARTTLS when offered, any certificate, plain text when it fails.</summary>
    May,

    /// <summary>STARTTLS is required; any certificate. No STARTTLS or a failed handshake defers the mail (4.7.x).</summary>
    Encrypt,

    /// <summary>As <see cref="Encrypt"/>, and the certificate chain must be trusted and valid for the MX host (or a match name).</summary>
    Verify,
}

/// <summary>What the certificate of a TLS session proved, in Postfix's words.</summary>
public enum TlsTrust
{
    /// <summary>The chain does not lead to a trusted root.</summary>
    Untrusted,

    /// <summary>The chain is trusted but the certificate names another host.</summary>
    Trusted,

    /// <summary>Trusted chain, and valid for the expected name.</summary>
    Verified,
}

/// <summary>The TLS policy for one destination.</summary>
/// <param name="MatchNames">Names the certificate may be valid for under <see cref="TlsLevel.Verify"/>; empty means the MX host's own name.</param>
public sealed record OutboundTlsPolicy(TlsLevel Level, IReadOnlyList<string> MatchNames)
{
    public static readonly OutboundTlsPolicy None = new(TlsLevel.None, []);
    public static readonly OutboundTlsPolicy May = new(TlsLevel.May, []);

    /// <summary>Whether a session without TLS must not carry mail under this policy.</summary>
    public bool RequiresTls => Level is TlsLevel.Encrypt or TlsLevel.Verify;

    /// <summary>
    /// Parses <c>none</c>, <c>may</c>, <c>encrypt</c>, <c>verify</c>, optionally followed by
    /// <c>match=name1:name2</c> for verify (Postfix's smtp_tls_policy_maps notation).
    /// </summary>
    public static bool TryParse(string text, out OutboundTlsPolicy policy, out string? error)
    {
        policy = May;
        error = null;
        string[] words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
        {
            error = "is empty; use none, may, encrypt or verify";
            return false;
        }

        TlsLevel? level = words[0].ToLowerInvariant() switch
        {
            "none" => TlsLevel.None,
            "may" => TlsLevel.May,
            "encrypt" => TlsLevel.Encrypt,
            "verify" or "secure" => TlsLevel.Verify,
            _ => null,
        };
        if (level is null)
        {
            error = $"'{words[0]}' is not a TLS level; use none, may, encrypt or verify";
            return false;
        }

        var names = new List<string>();
        foreach (string word in words.Skip(1))
        {
            if (level != TlsLevel.Verify || !word.StartsWith("match=", StringComparison.OrdinalIgnoreCase))
            {
                error = $"'{word}' is not understood; only verify takes match=name1:name2";
                return false;
            }

            names.AddRange(word[6..].Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        policy = new OutboundTlsPolicy(level.Value, names);
        return true;
    }

    public override string ToString() =>
        Level.ToString().ToLowerInvariant() + (MatchNames.Count > 0 ? " match=" + string.Join(':', MatchNames) : string.Empty);

    public bool Equals(OutboundTlsPolicy? other) =>
        other is not null && Level == other.Level && MatchNames.SequenceEqual(other.MatchNames, StringComparer.OrdinalIgnoreCase);

    public override int GetHashCode() => Level.GetHashCode();
}
