using System.Net.Security;
using Carrier.Net.Connections;

namespace Carrier.Net.Listeners;

/// <summary>What one protocol listener binds and how it treats its connections.</summary>
public sealed class ListenerOptions
{
    /// <summary>Short protocol name used in logs and in configuration keys, such as <c>Smtp</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The configuration key the endpoints came from, named in bind errors.</summary>
    public required string ConfigurationKey { get; init; }

    public required IReadOnlyList<ListenEndpoint> Endpoints { get; init; }

    public required IConnectionHandler Handler { get; init; }

    public required ConnectionTimeouts Timeouts { get; init; }

    /// <summary>The protocol's line for a client refused by the connection limits (for SMTP a 421).</summary>
    public required ReadOnlyMemory<byte> TooManyConnectionsReply { get; init; }

    /// <summary>When set, connections per client address and time are limited (port 25); excess get the rate limit's reply.</summary>
    public ConnectionRateLimit? RateLimit { get; init; }

    /// <summary>When set, TLS is negotiated right after accept (RFC 8314 implicit TLS).</summary>
    public Func<SslServerAuthenticationOptions?>? ImplicitTls { get; init; }
}

/// <summary>A connection rate limiter and the protocol's line for a client over it, which names the client's address.</summary>
public sealed record ConnectionRateLimit(ConnectionRateLimiter Limiter, Func<System.Net.IPAddress, ReadOnlyMemory<byte>> Reply);
