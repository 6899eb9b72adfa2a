using System.Net;

namespace Carrier.Smtp.Server;

/// <summary>What the ports learn about the client: where it connects from and what it said of itself.</summary>
public sealed class SmtpSessionContext
{
    public required string ConnectionId { get; init; }

    public required IPEndPoint RemoteEndPoint { get; init; }

    public required IPEndPoint LocalEndPoint { get; init; }

    /// <summary>The EHLO/HELO argument, once given.</summary>
    public string? HeloName { get; internal set; }

    public bool Extended { get; internal set; }

    public bool IsTls { get; internal set; }

    /// <summary>The authenticated user, once AUTH succeeded.</summary>
    public string? AuthenticatedUser { get; internal set; }

    /// <summary>Client identity as in Postfix logs: <c>helo[address]</c> style, <c>unknown[192.0.2.1]</c>.</summary>
    public string ClientDescription => $"unknown[{RemoteEndPoint.Address}]";
}
