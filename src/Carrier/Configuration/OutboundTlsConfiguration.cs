using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Carrier.Delivery.Remote;
using Carrier.Smtp.Client;

namespace Carrier.Configuration;

/// <summary><c>Tls:Outbound</c>: the STARTTLS policy per destination domain and the CA file that <c>verify</c> trusts.</summary>
public sealed class OutboundTlsSettings
{
    /// <summary>
    /// The level for domains without a policy: none, may, encrypt or verify. Default: <c>may</c>
    /// (<c>none</c> when <c>Delivery:OpportunisticTls</c> is false).
    /// </summary>
    public string? Default { get; set; }

    /// <summary>Domain → level, in Postfix's smtp_tls_policy_maps notation (<c>verify match=mx.example.net</c>); <c>.example.org</c> covers subdomains.</summary>
    public Dictionary<string, string> Policies { get; set; } = [];

    /// <summary>PEM file of the CAs that <c>verify</c> trusts instead of the system store; relative to the data directory.</summary>
    public string? CaFile { get; set; }
}

/// <summary>Turns <see cref="OutboundTlsSettings"/> into the delivery agent's policy table and trust roots.</summary>
public static class OutboundTlsConfiguration
{
    public static TlsPolicyTable Parse(CarrierOptions options, List<ConfigProblem> problems)
    {
        var outbound = options.Tls.Outbound;
        var fallback = options.Delivery.OpportunisticTls ? OutboundTlsPolicy.May : OutboundTlsPolicy.None;
        if (!string.IsNullOrWhiteSpace(outbound.Default))
        {
            if (OutboundTlsPolicy.TryParse(outbound.Default, out var parsed, out string? error))
            {
                fallback = parsed;
            }
            else
            {
                problems.Add(new ConfigProblem("Tls:Outbound:Default", error!));
            }
        }

        var policies = new Dictionary<string, OutboundTlsPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (domain, text) in outbound.Policies)
        {
            if (OutboundTlsPolicy.TryParse(text, out var policy, out string? error))
            {
                policies[domain.Trim().TrimEnd('.')] = policy;
            }
            else
            {
                problems.Add(new ConfigProblem($"Tls:Outbound:Policies:{domain}", error!));
            }
        }

        return new TlsPolicyTable(policies, fallback);
    }

    /// <summary>The CAs of <c>Tls:Outbound:CaFile</c>, or null for the system store.</summary>
    public static X509Certificate2Collection? LoadCaFile(CarrierSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Options.Tls.Outbound.CaFile))
        {
            return null;
        }

        string path = Path.Combine(settings.DataDirectory, settings.Options.Tls.Outbound.CaFile);
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"Tls:Outbound:CaFile: cannot read CA certificates from {path}: {e.Message}", e);
        }

        return roots.Count > 0 ? roots : throw new InvalidOperationException($"Tls:Outbound:CaFile: {path} holds no PEM certificate.");
    }
}
