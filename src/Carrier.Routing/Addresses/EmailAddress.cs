using System.Diagnostics.CodeAnalysis;

namespace Carrier.Routing.Addresses;

/// <summary>
/// An address as routing and the directory see it: local part and domain, compared without regard to
/// case. The domain is kept lower-case; the local part as written (RFC 5321 §2.4 lets only the
/// destination interpret it, and Carrier's own mailboxes are case-insensitive).
/// </summary>
public sealed record EmailAddress
{
    private EmailAddress(string localPart, string domain)
    {
        LocalPart = localPart;
        Domain = domain;
    }

    public string LocalPart { get; }

    public string Domain { get; }

    public override string ToString() => $"{LocalPart}@{Domain}";

    /// <summary>The form used for lookups: all lower-case.</summary>
    public string Key => $"{LocalPart.ToLowerInvariant()}@{Domain}";

    public bool Equals(EmailAddress? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public static EmailAddress Create(string localPart, string domain)
    {
        if (string.IsNullOrEmpty(localPart) || string.IsNullOrEmpty(domain))
        {
            throw new ArgumentException("An address needs a local part and a domain.");
        }

        return new EmailAddress(localPart, domain.TrimEnd('.').ToLowerInvariant());
    }

    /// <summary>Splits at the last '@'; checks only what routing relies on (both halves present, no spaces or controls).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out EmailAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 320)
        {
            return false;
        }

        text = text.Trim();
        if (text.StartsWith('<') && text.EndsWith('>'))
        {
            text = text[1..^1];
        }

        int at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        string local = text[..at];
        string domain = text[(at + 1)..];
        foreach (char c in text)
        {
            if (char.IsControl(c) || (char.IsWhiteSpace(c) && !local.StartsWith('"')))
            {
                return false;
            }
        }

        // Whitespace is allowed in a quoted local part, never in the domain.
        if (domain.Contains('@') || domain.StartsWith('.') || domain.Contains("..") || domain.Any(char.IsWhiteSpace))
        {
            return false;
        }

        address = Create(local, domain);
        return true;
    }

    public static EmailAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an address of the form user@domain.");
}
