using System.Net;
using System.Net.Sockets;
using Carrier.Configuration;
using Carrier.Net.Connections;

namespace Carrier.Server.Screening;

/// <summary>
/// RFC 6647 greylisting: the first attempt of a (client network, envelope sender, recipient) triplet is refused
/// for <see cref="GreylistingOptions.Delay"/>; a retry after that passes, and the triplet is then accepted at once
/// for <see cref="GreylistingOptions.PassedLifetime"/>, renewed by each use. The client is taken as its /24
/// (IPv4) or /64 (IPv6) network, because large senders retry from another address of the same pool.
/// </summary>
/// <remarks>
/// The table is in memory and bounded (<see cref="GreylistingOptions.MaxEntries"/>, least recently used
/// forgotten first): a restart forgets it, which costs senders one more delay and nothing else.
/// </remarks>
public sealed class Greylist
{
    private readonly GreylistingOptions _options;
    private readonly TimeProvider _time;
    private readonly ExpiringTable<string, Triplet> _triplets;
    private readonly Lock _gate = new();

    public Greylist(GreylistingOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _triplets = new ExpiringTable<string, Triplet>(options.MaxEntries);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _triplets.Count;
            }
        }
    }

    /// <summary>Records the attempt; returns how long the client must still wait, or zero when it passes.</summary>
    public TimeSpan Check(IPAddress client, string? sender, string recipient)
    {
        string key = $"{NetworkOf(client)} {WithoutBatvTag(sender?.ToLowerInvariant() ?? string.Empty)} {recipient.ToLowerInvariant()}";
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_triplets.TryGet(key, now, out var triplet))
            {
                _triplets.Set(key, new Triplet(now, Passed: false), now + _options.RetryWindow, now);
                return _options.Delay;
            }

            if (!triplet.Passed)
            {
                var waited = now - triplet.FirstSeen;
                if (waited < _options.Delay)
                {
                    // Early retries do not restart the clock: the wait is from the first attempt.
                    return _options.Delay - waited;
                }
            }

            _triplets.Set(key, triplet with { Passed = true }, now + _options.PassedLifetime, now);
            return TimeSpan.Zero;
        }
    }

    /// <summary>The /24 of an IPv4 address or the /64 of an IPv6 one, as text.</summary>
    public static string NetworkOf(IPAddress client)
    {
        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        byte[] bytes = client.GetAddressBytes();
        int keep = client.AddressFamily == AddressFamily.InterNetwork ? 3 : 8;
        Array.Clear(bytes, keep, bytes.Length - keep);
        int prefix = keep * 8;
        return $"{new IPAddress(bytes)}/{prefix}";
    }

    /// <summary>
    /// BATV senders (<c>prvs=1234abcd=user@example.org</c>) change their tag with every message; the triplet keeps
    /// only the address under it, or no retry would ever match.
    /// </summary>
    public static string WithoutBatvTag(string sender)
    {
        if (sender.StartsWith("prvs=", StringComparison.Ordinal) && sender.IndexOf('=', 5) is > 5 and var end && end < sender.IndexOf('@', StringComparison.Ordinal))
        {
            return sender[(end + 1)..];
        }

        return sender;
    }

    private readonly record struct Triplet(DateTimeOffset FirstSeen, bool Passed);
}
