namespace Carrier.Queue.Runner;

/// <summary>How the runner schedules work.</summary>
public sealed record QueueRunnerOptions
{
    /// <summary>Deliveries in progress at once (the bounded active set). Postfix's default_process_limit is 100; 20 suits two cores.</summary>
    public int MaxConcurrentDeliveries { get; init; } = 20;

    /// <summary>How often the store is asked for due work when nothing woke the runner sooner.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim protects a message from a second runner; longer than any single attempt.</summary>
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long shutdown waits for deliveries in progress before cancelling them.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The name in bounce messages (Reporting-MTA, MAILER-DAEMON@).</summary>
    public required string Hostname { get; init; }
}
