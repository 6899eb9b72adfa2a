using Carrier.Directory;
using Carrier.Routing;
using Carrier.Routing.Addresses;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;

namespace Carrier.Server;

/// <summary>
/// Binds the SMTP server's recipient port to the directory and the domain classifier: local recipients
/// must exist, relay domains are accepted from anyone, and everything else is refused (no open relay).
/// </summary>
public sealed class SmtpRecipientPolicy : IRecipientPolicy
{
    private readonly DomainClassifier _classifier;
    private readonly MailDirectory _directory;
    private readonly string _primaryDomain;

    public SmtpRecipientPolicy(DomainClassifier classifier, MailDirectory directory, string primaryDomain)
    {
        _classifier = classifier;
        _directory = directory;
        _primaryDomain = primaryDomain;
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
                return SmtpReplies.RelayDenied;
        }
    }

    /// <summary>Where a bare &lt;Postmaster&gt; recipient is delivered.</summary>
    public string BarePostmasterAddress => $"postmaster@{_primaryDomain}";
}
