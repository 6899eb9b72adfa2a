using System.Net;
using Carrier.Directory;
using Carrier.Routing;
using Carrier.Routing.Addresses;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;

namespace Carrier.Server;

/// <summary>
/// Binds the SMTP server's recipient port to the directory and the domain classifier: local recipients
/// must exist, relay domains (backup MX) are accepted from anyone, other domains only from trusted
/// networks; everyone else is refused (ARCHITECTURE.md §4.4: no open relay).
/// </summary>
public sealed class SmtpRecipientPolicy : IRecipientPolicy
{
    private readonly DomainClassifier _classifier;
    private readonly MailDirectory _directory;
    private readonly string _primaryDomain;
    private readonly IReadOnlyList<IPNetwork> _trusted;

    public SmtpRecipientPolicy(DomainClassifier classifier, MailDirectory directory, string primaryDomain, IReadOnlyList<IPNetwork> trustedNetworks)
    {
        _classifier = classifier;
        _directory = directory;
        _primaryDomain = primaryDomain;
        _trusted = trustedNetworks;
    }

    public ValueTask<SmtpReply?> CheckSenderAsync(SmtpSessionContext session, SmtpPath? sender, MailParameters parameters, CancellationToken cancellationToken) =>
        ValueTask.FromResult<SmtpReply?>(null);

    public async ValueTask<SmtpReply?> CheckRecipientAsync(SmtpSessionContext session, SmtpPath? sender, SmtpPath recipient, CancellationToken cancellationToken)
    {
        // RFC 5321 §4.1.1.3: <Postmaster> without a domain must always be accepted.
        if (recipient.IsBarePostmaster)
        {
            return null;
        }

        // user@[192.0.2.1] and user%other@: classic ways to borrow a server as a relay; refused outright.
        if (recipient.IsAddressLiteral || recipient.LocalPart.Contains('%') || recipient.LocalPart.Contains('!'))
        {
            return SmtpReplies.RelayDenied;
        }

        var domainClass = await _classifier.ClassifyAsync(recipient.Domain, cancellationToken);
        switch (domainClass)
        {
            case DomainClass.Local:
                var address = EmailAddress.Create(recipient.LocalPart, recipient.Domain);
                return await _directory.AcceptsAsync(address, cancellationToken) ? null : SmtpReplies.NoSuchUser;
            case DomainClass.Relay:
                return null;
            default:
                return IsTrusted(session.RemoteEndPoint.Address) ? null : SmtpReplies.RelayDenied;
        }
    }

    private bool IsTrusted(IPAddress address)
    {
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _trusted.Any(network => network.Contains(address));
    }

    /// <summary>Where a bare &lt;Postmaster&gt; recipient is delivered.</summary>
    public string BarePostmasterAddress => $"postmaster@{_primaryDomain}";
}
