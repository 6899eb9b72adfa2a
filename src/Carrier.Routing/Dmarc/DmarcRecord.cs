namespace Carrier.Routing.Dmarc;

/// <summary>What a domain asks receivers to do with mail that fails DMARC (RFC 7489 §6.3, "p" and "sp").</summary>
public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}

/// <summary>
/// A DMARC policy record (RFC 7489 §6.3): <c>v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50</c>.
/// Only the tags that decide a message's fate are kept; reporting tags are read for validity and then ignored.
/// </summary>
public sealed record DmarcRecord(DmarcPolicy Policy, DmarcPolicy? SubdomainPolicy, bool StrictDkim, bool StrictSpf, int Percent)
{
    /// <summary>Whether a TXT record is meant as a DMARC record: its first tag is <c>v=DMARC1</c> (§6.6.3 step 4).</summary>
    public static bool IsDmarcRecord(string text)
    {
        int semicolon = text.IndexOf(';', StringComparison.Ordinal);
        string first = (semicolon >= 0 ? text[..semicolon] : text).Trim();
        int equals = first.IndexOf('=', StringComparison.Ordinal);
        return equals > 0
            && first[..equals].Trim() == "v"
            && first[(equals + 1)..].Trim() == "DMARC1";
    }

    /// <summary>
    /// Parses a record that <see cref="IsDmarcRecord"/> accepted. Unknown tags are ignored (§6.3); a missing or
    /// invalid "p" is taken as "none" when the record asks for aggregate reports (§6.6.3 step 6), and makes the
    /// record unusable otherwise, as does an invalid value of any known tag.
    /// </summary>
    public static bool TryParse(string text, out DmarcRecord record, out string error)
    {
        record = new DmarcRecord(DmarcPolicy.None, null, false, false, 100);
        error = string.Empty;
        if (!IsDmarcRecord(text))
        {
            error = "the record does not start with v=DMARC1";
            return false;
        }

        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in text.Split(';').Skip(1))
        {
            string tag = part.Trim();
            if (tag.Length == 0)
            {
                continue;
            }

            int equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"'{tag}' is not a tag=value pair";
                return false;
            }

            tags.TryAdd(tag[..equals].Trim(), tag[(equals + 1)..].Trim());
        }

        DmarcPolicy? policy = tags.TryGetValue("p", out string? p) ? ParsePolicy(p) : null;
        if (policy is null)
        {
            if (!tags.TryGetValue("rua", out string? rua) || !rua.Contains(':', StringComparison.Ordinal))
            {
                error = p is null ? "the record has no p= tag" : $"p={p} is not a policy";
                return false;
            }

            policy = DmarcPolicy.None;
        }

        DmarcPolicy? subdomain = null;
        if (tags.TryGetValue("sp", out string? sp))
        {
            subdomain = ParsePolicy(sp);
            if (subdomain is null)
            {
                error = $"sp={sp} is not a policy";
                return false;
            }
        }

        if (!TryAlignment(tags, "adkim", out bool strictDkim, ref error) || !TryAlignment(tags, "aspf", out bool strictSpf, ref error))
        {
            return false;
        }

        int percent = 100;
        if (tags.TryGetValue("pct", out string? pct)
            && (!int.TryParse(pct, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out percent) || percent > 100))
        {
            error = $"pct={pct} is not a number from 0 to 100";
            return false;
        }

        record = new DmarcRecord(policy.Value, subdomain, strictDkim, strictSpf, percent);
        return true;
    }

    private static DmarcPolicy? ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    private static bool TryAlignment(Dictionary<string, string> tags, string name, out bool strict, ref string error)
    {
        strict = false;
        if (!tags.TryGetValue(name, out string? value))
        {
            return true;
        }

        switch (value.ToLowerInvariant())
        {
            case "s":
                strict = true;
                return true;
            case "r":
                return true;
            default:
                error = $"{name}={value} is neither r nor s";
                return false;
        }
    }
}
