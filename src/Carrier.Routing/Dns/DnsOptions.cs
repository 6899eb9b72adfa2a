using System.Net;

namespace Carrier.Routing.Dns;

/// <summary>Which servers to ask and how patiently.</summary>
public sealed class DnsOptions
{
    /// <summary>Name servers to ask; empty means those of /etc/resolv.conf.</summary>
    public IReadOnlyList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>Time for one query to one server before trying again.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Further tries after a timeout.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Keep answers for their TTL (bounded by <see cref="MaximumCacheTime"/>).</summary>
    public bool UseCache { get; init; } = true;

    public TimeSpan MaximumCacheTime { get; init; } = TimeSpan.FromHours(1);
}
