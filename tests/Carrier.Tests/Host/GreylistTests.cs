using System.Net;
using Carrier.Configuration;
using Carrier.Server.Screening;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Host;

/// <summary>Greylisting decisions against a clock moved by hand.</summary>
public sealed class GreylistTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));

    private Greylist Greylist(int maxEntries = 1000) => new(
        new GreylistingOptions
        {
            Enabled = true,
            Delay = TimeSpan.FromMinutes(5),
            RetryWindow = TimeSpan.FromDays(2),
            PassedLifetime = TimeSpan.FromDays(36),
            MaxEntries = maxEntries,
        },
        _time);

    [Fact]
    public void A_first_attempt_waits_the_delay_and_early_retries_do_not_restart_the_clock()
    {
        var greylist = Greylist();
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "bob@example.org", "alice@local.test"));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromMinutes(3), greylist.Check(Client, "bob@example.org", "alice@local.test"));
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "bob@example.org", "alice@local.test"));
    }

    [Fact]
    public void A_passed_triplet_is_accepted_at_once_until_it_goes_unused_for_its_lifetime()
    {
        var greylist = Greylist();
        greylist.Check(Client, "bob@example.org", "alice@local.test");
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "bob@example.org", "alice@local.test"));

        // Each use renews it.
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "bob@example.org", "alice@local.test"));
        _time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "bob@example.org", "alice@local.test"));

        _time.Advance(TimeSpan.FromDays(37));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "bob@example.org", "alice@local.test"));
    }

    [Fact]
    public void A_retry_that_comes_after_the_retry_window_starts_over()
    {
        var greylist = Greylist();
        greylist.Check(Client, "bob@example.org", "alice@local.test");
        _time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "bob@example.org", "alice@local.test"));
    }

    [Fact]
    public void The_triplet_is_the_client_network_the_sender_and_the_recipient_without_regard_to_case()
    {
        var greylist = Greylist();
        greylist.Check(Client, "bob@example.org", "alice@local.test");
        _time.Advance(TimeSpan.FromMinutes(5));

        // Another address of the same /24, the same addresses in other case: the same triplet.
        Assert.Equal(TimeSpan.Zero, greylist.Check(IPAddress.Parse("192.0.2.200"), "Bob@Example.ORG", "ALICE@local.test"));

        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(IPAddress.Parse("192.0.3.10"), "bob@example.org", "alice@local.test"));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "carol@example.org", "alice@local.test"));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "bob@example.org", "bob@local.test"));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, null, "alice@local.test"));
    }

    [Fact]
    public void A_BATV_tag_on_the_sender_does_not_make_each_retry_a_new_triplet()
    {
        Assert.Equal("bob@example.org", Carrier.Server.Screening.Greylist.WithoutBatvTag("prvs=0123abcd=bob@example.org"));
        Assert.Equal("prvs=bob@example.org", Carrier.Server.Screening.Greylist.WithoutBatvTag("prvs=bob@example.org"));

        var greylist = Greylist();
        greylist.Check(Client, "prvs=1111aaaa=bob@example.org", "alice@local.test");
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "prvs=2222bbbb=bob@example.org", "alice@local.test"));
    }

    [Fact]
    public void IPv6_clients_are_taken_by_their_64_bit_prefix()
    {
        Assert.Equal("2001:db8:1:2::/64", Carrier.Server.Screening.Greylist.NetworkOf(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal("192.0.2.0/24", Carrier.Server.Screening.Greylist.NetworkOf(IPAddress.Parse("192.0.2.77").MapToIPv6()));

        var greylist = Greylist();
        greylist.Check(IPAddress.Parse("2001:db8:1:2::10"), "bob@example.org", "alice@local.test");
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.Zero, greylist.Check(IPAddress.Parse("2001:db8:1:2::99"), "bob@example.org", "alice@local.test"));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(IPAddress.Parse("2001:db8:1:3::10"), "bob@example.org", "alice@local.test"));
    }

    [Fact]
    public void The_table_keeps_at_most_its_maximum_and_forgets_the_least_recently_used_first()
    {
        var greylist = Greylist(maxEntries: 3);
        greylist.Check(Client, "old@example.org", "alice@local.test");
        for (int i = 0; i < 20; i++)
        {
            greylist.Check(Client, $"sender{i}@example.org", "alice@local.test");
            Assert.True(greylist.Count <= 3);
        }

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.FromMinutes(5), greylist.Check(Client, "old@example.org", "alice@local.test"));
        Assert.Equal(TimeSpan.Zero, greylist.Check(Client, "sender19@example.org", "alice@local.test"));
    }
}
