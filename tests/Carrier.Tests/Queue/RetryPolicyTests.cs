using Carrier.Queue;

namespace Carrier.Tests.Queue;

/// <summary>When a deferred recipient is tried again: doubling from the minimum, ±10 % jitter, within bounds.</summary>
public sealed class RetryPolicyTests
{
    private const double NoJitter = 0.5;

    private static readonly RetryPolicy Default = new();

    [Fact]
    public void The_defaults_are_postfix_s()
    {
        Assert.Equal(TimeSpan.FromSeconds(300), Default.MinBackoff);
        Assert.Equal(TimeSpan.FromSeconds(4000), Default.MaxBackoff);
        Assert.Equal(TimeSpan.FromDays(5), Default.MaxLifetime);
        Assert.Equal(TimeSpan.FromHours(4), Default.DelayWarning);
    }

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 600)]
    [InlineData(3, 1200)]
    [InlineData(4, 2400)]
    [InlineData(5, 4000)]
    [InlineData(6, 4000)]
    [InlineData(50, 4000)]
    public void The_wait_doubles_per_failed_attempt_up_to_the_maximum(int attempts, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Default.Backoff(attempts, NoJitter));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Fewer_than_one_attempt_waits_the_minimum(int attempts) =>
        Assert.Equal(Default.MinBackoff, Default.Backoff(attempts, NoJitter));

    [Fact]
    public void A_huge_attempt_count_does_not_overflow() =>
        Assert.Equal(Default.MaxBackoff, Default.Backoff(int.MaxValue, NoJitter));

    [Theory]
    [InlineData(2, 600)]
    [InlineData(3, 1200)]
    [InlineData(4, 2400)]
    public void Jitter_spreads_the_wait_by_ten_percent_either_way(int attempts, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds * 0.9), Default.Backoff(attempts, 0));
        Assert.Equal(TimeSpan.FromSeconds(seconds), Default.Backoff(attempts, 0.5));
        var highest = Default.Backoff(attempts, Math.BitDecrement(1.0));
        Assert.InRange(highest, TimeSpan.FromSeconds(seconds * 1.0999), TimeSpan.FromSeconds(seconds * 1.1));
    }

    [Fact]
    public void Every_jitter_keeps_the_wait_within_its_band_and_the_bounds()
    {
        var random = new Random(3461);
        for (int n = 0; n < 10_000; n++)
        {
            int attempts = random.Next(1, 12);
            double jitter = random.NextDouble();
            var wait = Default.Backoff(attempts, jitter);
            double nominal = Math.Min(300 * Math.Pow(2, attempts - 1), 4000);
            Assert.InRange(wait.TotalSeconds, Math.Max(nominal * 0.9, 300), Math.Min(nominal * 1.1, 4000));
        }
    }

    [Fact]
    public void Jitter_never_goes_below_the_minimum_or_above_the_maximum()
    {
        Assert.Equal(Default.MinBackoff, Default.Backoff(1, 0));
        Assert.Equal(Default.MaxBackoff, Default.Backoff(5, Math.BitDecrement(1.0)));
        Assert.Equal(TimeSpan.FromSeconds(3600), Default.Backoff(5, 0));
    }

    [Fact]
    public void Equal_bounds_give_a_fixed_wait()
    {
        var fixedPolicy = new RetryPolicy { MinBackoff = TimeSpan.FromMinutes(1), MaxBackoff = TimeSpan.FromMinutes(1) };
        foreach (int attempts in new[] { 1, 2, 10 })
        {
            foreach (double jitter in new[] { 0, 0.5, 0.99 })
            {
                Assert.Equal(TimeSpan.FromMinutes(1), fixedPolicy.Backoff(attempts, jitter));
            }
        }
    }

    [Fact]
    public void Custom_bounds_are_honoured()
    {
        var policy = new RetryPolicy { MinBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(100) };
        Assert.Equal(
            new double[] { 10, 20, 40, 80, 100, 100 },
            Enumerable.Range(1, 6).Select(a => policy.Backoff(a, NoJitter).TotalSeconds));
    }
}
