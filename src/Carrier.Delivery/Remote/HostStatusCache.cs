using System.Collections.Concurrent;
using System.Net;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Remembers servers that just failed (refused, timed out, 421), so that the next messages try the other MX
/// hosts first instead of waiting on a dead one again (Postfix's destination status cache, per address).
/// </summary>
public sealed class HostStatusCache
{
    private readonly ConcurrentDictionary<IPEndPoint, DateTimeOffset> _deadUntil = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _deadTime;

    public HostStatusCache(TimeProvider time, TimeSpan deadTime)
    {
        _time = time;
        _deadTime = deadTime;
    }

    public void MarkDead(IPEndPoint endpoint) => _deadUntil[endpoint] = _time.GetUtcNow() + _deadTime;

    public void MarkAlive(IPEndPoint endpoint) => _deadUntil.TryRemove(endpoint, out _);

    public bool IsDead(IPEndPoint endpoint)
    {
        if (!_deadUntil.TryGetValue(endpoint, out var until))
        {
            return false;
        }

        if (until > _time.GetUtcNow())
        {
            return true;
        }

        _deadUntil.TryRemove(KeyValuePair.Create(endpoint, until));
        return false;
    }
}
