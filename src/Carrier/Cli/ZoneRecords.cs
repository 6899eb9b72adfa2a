using System.Text;
using Carrier.Configuration;
using Carrier.Delivery.Dkim;

namespace Carrier.Cli;

/// <summary>DNS records in BIND zone-file syntax, as an administrator pastes them into a zone.</summary>
internal static class ZoneRecords
{
    /// <summary>A TXT record; values longer than one DNS character-string (255 octets) are split (RFC 7208 §3.3).</summary>
    public static string Txt(string name, string value)
    {
        var parts = new List<string>();
        for (int i = 0; i < value.Length; i += 255)
        {
            parts.Add($"\"{value.AsSpan(i, Math.Min(255, value.Length - i))}\"");
        }

        return parts.Count == 1
            ? $"{name,-40} IN TXT   {parts[0]}"
            : $"{name,-40} IN TXT   ( {string.Join("\n" + new string(' ', 52), parts)} )";
    }

    /// <summary>Everything a mail domain served by this server publishes: routing, sender policy, keys, reporting, client set-up.</summary>
    public static string ForDomain(CarrierSettings settings, string domain)
    {
        string host = settings.Hostname + ".";
        string zone = domain + ".";
        string postmaster = settings.Options.Postmaster ?? $"postmaster@{domain}";
        var text = new StringBuilder();
        text.AppendLine($"; Mail records for {domain}, served by {settings.Hostname}. BIND zone-file syntax.");
        text.AppendLine($"; {settings.Hostname} itself needs A/AAAA records with this server's public addresses,");
        text.AppendLine("; and its address a PTR record naming it (many receivers check).");
        text.AppendLine();
        text.AppendLine("; Where mail for the domain goes (RFC 5321 §5.1).");
        text.AppendLine($"{zone,-40} IN MX    10 {host}");
        text.AppendLine();
        text.AppendLine("; Who may send as the domain (SPF, RFC 7208): this domain's MX hosts, nobody else.");
        text.AppendLine(Txt(zone, "v=spf1 mx -all"));
        text.AppendLine();
        var keys = DkimKeys.PublishedRecords(settings.DataDirectory, domain);
        text.AppendLine("; DKIM public keys (RFC 6376, RFC 8463) of the keys this server signs with.");
        if (keys.Count == 0)
        {
            text.AppendLine($"; none yet: create them with 'carrier dkim generate {domain}'");
        }

        foreach (var (selector, record) in keys)
        {
            text.AppendLine(Txt($"{selector}._domainkey.{zone}", record));
        }

        text.AppendLine();
        text.AppendLine("; DMARC (RFC 7489): start by collecting reports with p=none, then move to quarantine or reject.");
        text.AppendLine(Txt($"_dmarc.{zone}", $"v=DMARC1; p=none; rua=mailto:{postmaster}; adkim=r; aspf=r"));
        text.AppendLine();
        text.AppendLine("; MTA-STS (RFC 8461): also serve https://mta-sts." + domain + "/.well-known/mta-sts.txt with");
        text.AppendLine($";   version: STSv1 / mode: testing / mx: {settings.Hostname} / max_age: 86400");
        text.AppendLine("; and change the id whenever that policy changes.");
        text.AppendLine(Txt($"_mta-sts.{zone}", $"v=STSv1; id={CliContext.Time.GetUtcNow():yyyyMMddHHmm}"));
        text.AppendLine("; TLS reporting (RFC 8460).");
        text.AppendLine(Txt($"_smtp._tls.{zone}", $"v=TLSRPTv1; rua=mailto:{postmaster}"));
        text.AppendLine();
        text.AppendLine("; Where mail clients find the services (RFC 6186, RFC 8314 for the TLS ports).");
        foreach (var (service, port, key) in new[]
        {
            ("_submissions._tcp", 465, settings.Parsed.SubmissionsListen.Count),
            ("_submission._tcp", 587, settings.Parsed.SubmissionListen.Count),
            ("_pop3s._tcp", 995, settings.Parsed.Pop3sListen.Count),
            ("_pop3._tcp", 110, settings.Pop3Listen.Count),
        })
        {
            text.AppendLine(key > 0
                ? $"{service + "." + zone,-40} IN SRV   0 1 {port} {host}"
                : $"{service + "." + zone,-40} IN SRV   0 0 0 .      ; not offered");
        }

        return text.ToString();
    }
}
