namespace Carrier.Queue;

/// <summary>
/// When to try again, and when to give up. Defaults are Postfix's: first retry after 300 s, doubling up to
/// 4000 s (about 67 minutes), give up after 5 days, warn the sender after 4 hours.
/// </summary>
public sealed record RetryPolicy
{
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(4000);

    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromDays(5);

    /// <summary>When set, the sender gets one "delayed" DSN once a recipient has waited this long.</summary>
    public TimeSpan? DelayWarning { get; init; } = TimeSpan.FromHours(4);

    /// <summary>
    /// The wait before attempt <paramref name="attempts"/> + 1: <see cref="MinBackoff"/> doubled per failed
    /// attempt, spread by ±10 % (<paramref name="jitter"/> in [0, 1)) so that retries of many messages do not
    /// arrive at a recovering server all at once, and kept within the bounds.
    /// </summary>
    public TimeSpan Backoff(int attempts, double jitter)
    {
        double doublings = Math.Min(Math.Max(attempts - 1, 0), 30);
        double seconds = MinBackoff.TotalSeconds * Math.Pow(2, doublings);
        seconds = Math.Min(seconds, MaxBackoff.TotalSeconds);
        seconds *= 0.9 + (0.2 * jitter);
        seconds = Math.Clamp(seconds, MinBackoff.TotalSeconds, MaxBackoff.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }
}
