using System.Net;
using Carrier.Routing.Dns;

namespace Carrier.Tests.Routing;

/// <summary>DNS answers held in memory, for the decisions of SPF, DKIM and DMARC without a network.</summary>
internal sealed class MemoryZone : IDnsResolver, ITxtResolver
{
    public Dictionary<string, List<string>> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, List<IPAddress>> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, List<MxRecord>> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names whose lookups fail as SERVFAIL would.</summary>
    public HashSet<string> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Names whose lookups never answer (until cancelled), as an unreachable server.</summary>
    public HashSet<string> Silent { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every TXT name asked, in order.</summary>
    public List<string> Asked { get; } = [];

    public async Task<DnsAnswer<string>> ResolveTxtAsync(string name, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(name);
        }

        if (Silent.Contains(name))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return Failing.Contains(name) ? DnsAnswer.Empty<string>(DnsStatus.TemporaryFailure)
            : Txt.TryGetValue(name, out var records) ? DnsAnswer.Found<string>(records) : DnsAnswer.Empty<string>(DnsStatus.NameError);
    }

    public Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken) =>
        Task.FromResult(Mx.TryGetValue(domain, out var records) ? DnsAnswer.Found<MxRecord>(records) : DnsAnswer.Empty<MxRecord>(DnsStatus.NoData));

    public Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken) =>
        Task.FromResult(Addresses.TryGetValue(host, out var records) ? DnsAnswer.Found<IPAddress>(records) : DnsAnswer.Empty<IPAddress>(DnsStatus.NameError));
}
