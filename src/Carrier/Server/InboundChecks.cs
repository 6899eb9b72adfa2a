using System.Net;
using Carrier.Delivery.Authentication;
using Carrier.Routing.Spf;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;

namespace Carrier.Server;

/// <summary>
/// Which port 25 transactions are checked (not authenticated sessions, not clients of the trusted networks
/// unless configured), and the SPF check each one starts at MAIL FROM, so that its DNS work overlaps RCPT
/// and DATA instead of adding to them.
/// </summary>
public sealed class InboundChecks
{
    private readonly IReadOnlyList<IPNetwork> _exempt;

    /// <param name="exempt">Client networks whose mail is not checked.</param>
    public InboundChecks(InboundAuthenticator authenticator, IReadOnlyList<IPNetwork> exempt)
    {
        Authenticator = authenticator;
        _exempt = exempt;
    }

    public InboundAuthenticator Authenticator { get; }

    /// <summary>The started check, or null when this session's mail is not checked.</summary>
    public SenderCheck? Begin(SmtpSessionContext session, SmtpPath? sender)
    {
        var client = session.RemoteEndPoint.Address;
        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        if (session.AuthenticatedUser is not null || _exempt.Any(n => n.Contains(client)))
        {
            return null;
        }

        string mailFrom = sender?.Address ?? string.Empty;
        string helo = session.HeloName ?? "unknown";
        var abandon = new CancellationTokenSource();
        return new SenderCheck(mailFrom, helo, Authenticator.CheckSpfAsync(client, mailFrom, helo, abandon.Token), abandon);
    }
}

/// <summary>One transaction's SPF check in progress; disposing it abandons the check.</summary>
public sealed class SenderCheck(string mailFrom, string helo, Task<SpfVerdict> spf, CancellationTokenSource abandon) : ITransactionCheck
{
    public string MailFrom { get; } = mailFrom;

    public string Helo { get; } = helo;

    public Task<SpfVerdict> Spf { get; } = spf;

    public async ValueTask DisposeAsync()
    {
        await abandon.CancelAsync();

        // The check never throws and ends promptly once cancelled; wait, so that the token outlives its use.
        await Spf;
        abandon.Dispose();
    }
}
