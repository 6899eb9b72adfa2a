using Carrier.Smtp.Client;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Outbound TLS policy by recipient domain (configuration <c>Tls:Outbound</c>): an exact domain first, then
/// <c>.example.org</c> entries for its subdomains (the nearest parent wins), then the default.
/// </summary>
public sealed class TlsPolicyTable
{
    private readonly Dictionary<string, OutboundTlsPolicy> _policies;

    public TlsPolicyTable(IReadOnlyDictionary<string, OutboundTlsPolicy> policies, OutboundTlsPolicy defaultPolicy)
    {
        _policies = new Dictionary<string, OutboundTlsPolicy>(policies, StringComparer.OrdinalIgnoreCase);
        Default = defaultPolicy;
    }

    /// <summary>Opportunistic TLS for every destination: what Carrier did before policies existed.</summary>
    public static TlsPolicyTable Opportunistic { get; } = new(new Dictionary<string, OutboundTlsPolicy>(), OutboundTlsPolicy.May);

    public OutboundTlsPolicy Default { get; }

    public OutboundTlsPolicy For(string domain)
    {
        domain = domain.TrimEnd('.');
        if (_policies.TryGetValue(domain, out var exact))
        {
            return exact;
        }

        for (int dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            if (_policies.TryGetValue(domain[dot..], out var parent))
            {
                return parent;
            }
        }

        return Default;
    }
}
