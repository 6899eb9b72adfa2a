namespace Carrier.Routing.Dmarc;

/// <summary>
/// The organizational domain of RFC 7489 §3.2: the public suffix under which a name is registered, plus one
/// label. Without the full Public Suffix List (which changes weekly and is not shipped here), a small list of
/// common suffixes of more than one label stands in for it; any other name's suffix is its last label, so
/// <c>mail.example.co.uk</c> belongs to <c>example.co.uk</c> and <c>mail.example.org</c> to <c>example.org</c>.
/// </summary>
public static class OrganizationalDomain
{
    /// <summary>Public suffixes of two or more labels that are common in mail; checked longest first.</summary>
    private static readonly HashSet<string> MultiLabelSuffixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "co.uk", "org.uk", "me.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "net.uk", "sch.uk",
        "com.au", "net.au", "org.au", "edu.au", "gov.au", "id.au",
        "co.nz", "org.nz", "net.nz", "ac.nz", "govt.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp",
        "co.kr", "or.kr", "ac.kr",
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
        "com.hk", "org.hk", "net.hk", "edu.hk",
        "com.tw", "org.tw", "net.tw", "edu.tw",
        "com.sg", "org.sg", "edu.sg",
        "co.in", "net.in", "org.in", "ac.in", "gov.in",
        "com.br", "net.br", "org.br", "gov.br",
        "com.ar", "com.mx", "org.mx", "com.co", "com.pe", "com.tr", "org.tr", "gen.tr",
        "co.za", "org.za", "ac.za", "gov.za",
        "co.il", "org.il", "ac.il",
        "com.ru", "org.ru", "net.ru",
        "com.ua", "org.ua", "com.pl", "net.pl", "org.pl",
        "co.id", "or.id", "ac.id", "com.my", "org.my", "com.ph", "com.vn", "co.th", "ac.th",
        "com.eg", "com.sa", "com.pk", "com.ng", "co.ke",
    };

    /// <summary>The organizational domain of <paramref name="domain"/>, lower case, without a trailing dot.</summary>
    public static string Of(string domain)
    {
        string name = domain.TrimEnd('.').ToLowerInvariant();
        string[] labels = name.Split('.');
        if (labels.Length <= 2)
        {
            return name;
        }

        // The longest listed suffix decides (§3.2 step 3); a suffix of the list needs one more label.
        for (int suffixLabels = Math.Min(3, labels.Length - 1); suffixLabels >= 2; suffixLabels--)
        {
            string suffix = string.Join('.', labels[^suffixLabels..]);
            if (MultiLabelSuffixes.Contains(suffix))
            {
                return string.Join('.', labels[^(suffixLabels + 1)..]);
            }
        }

        return string.Join('.', labels[^2..]);
    }

    /// <summary>RFC 7489 §3.1: strict alignment wants the same name, relaxed the same organizational domain.</summary>
    public static bool Aligned(string authenticated, string from, bool strict) =>
        strict
            ? string.Equals(authenticated.TrimEnd('.'), from.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            : string.Equals(Of(authenticated), Of(from), StringComparison.Ordinal);
}
