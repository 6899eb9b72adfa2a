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
/// networks and authenticated users; everyone else is refused (ARCHITECTURE.md §4.4: no open relay).
/// An authenticated user sends only as one of their own addresses (<c>Submission:RestrictSender</c>).
/// </summary>
public sealed class SmtpRecipientPolicy : IRecipientPolicy
{
    private readonly DomainClassifier _classifier;
    private readonly MailDirectory _directory;
    private readonly string _primaryDomain;
    private readonly IReadOnlyList<IPNetwork> _trusted;
    private readonly bool _restrictSender;

    public SmtpRecipientPolicy(DomainClassifier classifier, MailDirectory directory, string primaryDomain, IReadOnlyList<IPNetwork> trustedNetworks, bool restrictSender = true)
    {
        _classifier = classifier;
        _directory = directory;
        _primaryDomain = primaryDomain;
        _trusted = trustedNetworks;
        _restrictSender = restrictSender;
    }

    public static SmtpReply NotOwned(string user) => new(553, "5.7.1", $"Sender address rejected: not owned by user {user}");

    public async ValueTask<SmtpReply?> CheckSenderAsync(SmtpSessionContext session, SmtpPath? sender, MailParameters parameters, CancellationToken cancellationToken)
    {
        if (!_restrictSender || session.AuthenticatedUser is not { } user || sender is null)
        {
            return null;
        }

        return await OwnsAsync(user, sender.Address, cancellationToken) ? null : NotOwned(user);
    }

    /// <summary>
    /// Whether an address is the user's: their own (also with a +tag) or an alias that delivers to them. Other
    /// domains belong to nobody here.
    /// </summary>
    public async ValueTask<bool> OwnsAsync(string user, string address, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(address, out var parsed) || !await _directory.IsLocalAsync(parsed.Domain, cancellationToken))
        {
            return false;
        }

        var resolution = await _directory.ResolveAsync(parsed, cancellationToken);
        return resolution.Accounts.Any(a => string.Equals(a.Address, user, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the session may be handed mail for any domain.</summary>
    public bool MayRelay(SmtpSessionContext session) => session.AuthenticatedUser is not null || IsTrusted(session.RemoteEndPoint.Address);

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
                return MayRelay(session) ? null : SmtpReplies.RelayDenied;
        }
    }

    /// <summary>Whether the address is in <c>Relay:TrustedNetworks</c>: such clients relay, and anti-abuse limits spare them.</summary>
    public bool IsTrusted(IPAddress address)
    {
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _trusted.Any(network => network.Contains(address));
    }

    /// <summary>Where a bare &lt;Postmaster&gt; recipient is delivered.</summary>
    public string BarePostmasterAddress => $"postmaster@{_primaryDomain}";
}
