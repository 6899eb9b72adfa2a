using Carrier.Configuration;
using Carrier.Routing.Blocklists;
using Carrier.Routing.Dns;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;
using Microsoft.Extensions.Logging;

namespace Carrier.Server.Screening;

/// <summary>
/// Port 25's checks of the client around the recipient policy, in this order: a DNS blocklist listing refuses
/// every recipient (554 5.7.1 at RCPT, so the client sees the reason and the log has the envelope), before the
/// directory is asked anything; then the recipient policy (relay denied, unknown user); last greylisting, of
/// recipients that would be accepted, so that refused ones leave no triplets behind.
/// Trusted networks and authenticated clients skip the blocklist and greylisting.
/// </summary>
/// <remarks>
/// Refusing at RCPT rather than at the greeting keeps postmaster@ and abuse@ reachable for a listed sender who
/// wants to ask why (RFC 5321 §4.5.1), and clients handle a RCPT refusal better than a 554 greeting.
/// </remarks>
public sealed class ClientScreening : IRecipientPolicy
{
    private readonly SmtpRecipientPolicy _policy;
    private readonly BlocklistCache? _blocklist;
    private readonly Greylist? _greylist;

    public ClientScreening(SmtpRecipientPolicy policy, BlocklistCache? blocklist, Greylist? greylist)
    {
        _policy = policy;
        _blocklist = blocklist;
        _greylist = greylist;
    }

    /// <summary>The screening <c>Smtp:Dnsbl</c> and <c>Smtp:Greylisting</c> ask for, around <paramref name="policy"/>.</summary>
    public static ClientScreening Create(CarrierSettings settings, SmtpRecipientPolicy policy, IARecordResolver dns, TimeProvider time, ILogger logger)
    {
        var smtp = settings.Options.Smtp;
        var blocklist = smtp.Dnsbl.Count > 0 ? new BlocklistCache(new DnsBlocklist(smtp.Dnsbl, dns), time, logger) : null;
        var greylist = smtp.Greylisting.Enabled ? new Greylist(smtp.Greylisting, time) : null;
        return new ClientScreening(policy, blocklist, greylist);
    }

    /// <summary>Starts the blocklist lookup as the client connects, so that RCPT seldom waits for it.</summary>
    public void ClientConnected(SmtpSessionContext session)
    {
        if (_blocklist is not null && !_policy.MayRelay(session))
        {
            _ = _blocklist.CheckAsync(session.RemoteEndPoint.Address, CancellationToken.None);
        }
    }

    public ValueTask<SmtpReply?> CheckSenderAsync(SmtpSessionContext session, SmtpPath? sender, MailParameters parameters, CancellationToken cancellationToken) =>
        _policy.CheckSenderAsync(session, sender, parameters, cancellationToken);

    public async ValueTask<SmtpReply?> CheckRecipientAsync(SmtpSessionContext session, SmtpPath? sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        bool screened = !_policy.MayRelay(session) && !recipient.IsBarePostmaster;
        var client = session.RemoteEndPoint.Address;
        if (screened && _blocklist is not null && !IsRoleRecipient(recipient))
        {
            var verdict = await _blocklist.CheckAsync(client, cancellationToken);
            if (verdict.IsListed)
            {
                return SmtpReplies.Blocklisted(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client, verdict.ListedBy!);
            }
        }

        if (await _policy.CheckRecipientAsync(session, sender, recipient, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        if (screened && _greylist is not null)
        {
            var wait = _greylist.Check(client, sender?.Address, recipient.Address);
            if (wait > TimeSpan.Zero)
            {
                return SmtpReplies.Greylisted((int)Math.Ceiling(wait.TotalSeconds));
            }
        }

        return null;
    }

    // A listed sender can still write to postmaster@ and abuse@ to ask why (RFC 5321 §4.5.1, RFC 2142).
    private static bool IsRoleRecipient(SmtpPath recipient) =>
        recipient.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase) || recipient.LocalPart.Equals("abuse", StringComparison.OrdinalIgnoreCase);
}
