using System.Net;

namespace Carrier.Net.Connections;

/// <summary>
/// Counts connection attempts per client address in fixed windows, like Postfix's anvil with
/// <c>smtpd_client_connection_rate_limit</c>: a window opens at a client's first attempt, every attempt in it
/// counts (refused ones too, so a client that keeps hammering stays refused), and the count starts again when
/// the window has passed.
/// </summary>
/// <remarks>
/// The table holds at most <c>maxTrackedAddresses</c> clients; past that the least recently seen is forgotten,
/// which can only let a client in, never lock one out. Exempt addresses (trusted networks) are never counted.
/// </remarks>
public sealed class ConnectionRateLimiter
{
    private readonly int _maxPerWindow;
    private readonly TimeSpan _window;
    private readonly Func<IPAddress, bool> _isExempt;
    private readonly TimeProvider _time;
    private readonly ExpiringTable<IPAddress, AttemptWindow> _counts;
    private readonly Lock _gate = new();

    public ConnectionRateLimiter(int maxPerWindow, TimeSpan window, int maxTrackedAddresses, Func<IPAddress, bool> isExempt, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _maxPerWindow = maxPerWindow;
        _window = window;
        _isExempt = isExempt;
        _time = time;
        _counts = new ExpiringTable<IPAddress, AttemptWindow>(maxTrackedAddresses);
    }

    public TimeSpan Window => _window;

    /// <summary>Clients currently remembered (at most the table's capacity).</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_gate)
            {
                return _counts.Count;
            }
        }
    }

    /// <summary>Counts an attempt; false when it is over the limit. <paramref name="count"/> is the attempts in the current window.</summary>
    public bool TryAcquire(IPAddress address, out int count)
    {
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_isExempt(address))
        {
            count = 0;
            return true;
        }

        var now = _time.GetUtcNow();
        lock (_gate)
        {
            count = _counts.TryGet(address, now, out var seen) ? Math.Min(seen.Count, int.MaxValue - 1) + 1 : 1;
            var windowEnds = count == 1 ? now + _window : seen.WindowEnds;
            _counts.Set(address, new AttemptWindow(count, windowEnds), windowEnds, now);
            return count <= _maxPerWindow;
        }
    }

    private readonly record struct AttemptWindow(int Count, DateTimeOffset WindowEnds);
}
