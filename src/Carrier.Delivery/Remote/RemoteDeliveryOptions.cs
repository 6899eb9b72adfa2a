using Carrier.Smtp.Client;

namespace Carrier.Delivery.Remote;

/// <summary>How remote delivery uses connections; defaults follow Postfix's where it has one.</summary>
public sealed record RemoteDeliveryOptions
{
    public required SmtpClientOptions Client { get; init; }

    /// <summary>Deliveries to one domain at once (Postfix default_destination_concurrency_limit: 20).</summary>
    public int MaxPerDestination { get; init; } = 20;

    /// <summary>How long a host that failed is tried last rather than first.</summary>
    public TimeSpan DeadHostTime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an idle connection is kept for the next message (Postfix smtp_connection_cache_time_limit: 2 s).</summary>
    public TimeSpan ConnectionIdleTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Idle connections kept per server address.</summary>
    public int MaxIdlePerAddress { get; init; } = 20;

    /// <summary>Transactions before a connection is closed (bounds the life of a session; Postfix smtp_connection_reuse_count_limit).</summary>
    public int MaxTransactionsPerConnection { get; init; } = 100;

    /// <summary>STARTTLS policy per destination domain (<c>Tls:Outbound</c>); opportunistic by default.</summary>
    public TlsPolicyTable TlsPolicies { get; init; } = TlsPolicyTable.Opportunistic;

    /// <summary>DKIM keys for outbound mail that originates here; null signs nothing.</summary>
    public Dkim.DkimSigning? Dkim { get; init; }
}
