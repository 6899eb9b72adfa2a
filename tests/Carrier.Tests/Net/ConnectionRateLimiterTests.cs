using System.Net;
using Carrier.Net.Connections;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Net;

/// <summary>The per-address connection rate table: windows, exemptions, and its bound.</summary>
public sealed class ConnectionRateLimiterTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    private ConnectionRateLimiter Limiter(int perMinute = 3, int tracked = 100, Func<IPAddress, bool>? exempt = null) =>
        new(perMinute, TimeSpan.FromMinutes(1), tracked, exempt ?? (_ => false), _time);

    [Fact]
    public void Attempts_past_the_limit_in_one_window_are_refused_and_counted()
    {
        var limiter = Limiter();
        var counts = new List<int>();
        var admitted = new List<bool>();
        for (int i = 0; i < 5; i++)
        {
            admitted.Add(limiter.TryAcquire(Client, out int count));
            counts.Add(count);
        }

        Assert.Equal([true, true, true, false, false], admitted);
        Assert.Equal([1, 2, 3, 4, 5], counts);
    }

    [Fact]
    public void A_new_window_starts_when_the_first_one_has_passed_and_refusals_keep_no_one_out_longer()
    {
        var limiter = Limiter(perMinute: 2);
        Assert.True(limiter.TryAcquire(Client, out _));
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client, out _));

        // The window opened at the first attempt, 60 seconds ago.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryAcquire(Client, out int count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Addresses_are_counted_apart_and_an_IPv4_mapped_address_is_its_IPv4_address()
    {
        var limiter = Limiter(perMinute: 1);
        Assert.True(limiter.TryAcquire(Client, out _));
        Assert.False(limiter.TryAcquire(Client.MapToIPv6(), out _));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.11"), out _));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8::1"), out _));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8::1"), out _));
    }

    [Fact]
    public void Exempt_addresses_are_never_refused_nor_remembered()
    {
        var limiter = Limiter(perMinute: 1, exempt: a => IPAddress.IsLoopback(a));
        for (int i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryAcquire(IPAddress.Loopback, out _));
        }

        Assert.Equal(0, limiter.TrackedAddresses);
    }

    [Fact]
    public void The_table_stays_within_its_capacity_by_forgetting_the_least_recently_seen_client()
    {
        var limiter = Limiter(perMinute: 1, tracked: 3);
        Assert.True(limiter.TryAcquire(Client, out _));
        for (int i = 1; i <= 50; i++)
        {
            limiter.TryAcquire(IPAddress.Parse($"198.51.100.{i}"), out _);
            Assert.True(limiter.TrackedAddresses <= 3);
        }

        // Forgotten, the first client starts a fresh count: the bound may let a client in, never lock one out.
        Assert.True(limiter.TryAcquire(Client, out int count));
        Assert.Equal(1, count);
        Assert.Equal(3, limiter.TrackedAddresses);
    }

    [Fact]
    public void Expired_windows_are_dropped_as_new_clients_arrive()
    {
        var limiter = Limiter(tracked: 1000);
        for (int i = 1; i <= 20; i++)
        {
            limiter.TryAcquire(IPAddress.Parse($"198.51.100.{i}"), out _);
        }

        _time.Advance(TimeSpan.FromMinutes(2));
        limiter.TryAcquire(Client, out _);
        Assert.Equal(1, limiter.TrackedAddresses);
    }
}
