namespace Carrier.Routing;

/// <summary>What Carrier does with mail for a domain (ARCHITECTURE.md §4.4, §5).</summary>
public enum DomainClass
{
    /// <summary>Carrier holds the mailboxes: deliver locally.</summary>
    Local,

    /// <summary>Carrier is a backup MX: accept from anyone, forward to the domain's better MX hosts.</summary>
    Relay,

    /// <summary>Anyone else's domain: only trusted or authenticated clients may send there.</summary>
    Remote,
}

/// <summary>Knows which domains are local and which Carrier relays for.</summary>
public interface IDomainCatalog
{
    ValueTask<bool> IsLocalAsync(string domain, CancellationToken cancellationToken);

    bool IsRelay(string domain);
}

/// <summary>
/// The single authority on local / relay / remote, asked by the SMTP session (open-relay protection)
/// and by the queue (where to deliver), like Postfix's trivial-rewrite.
/// </summary>
public sealed class DomainClassifier
{
    private readonly IDomainCatalog _catalog;

    public DomainClassifier(IDomainCatalog catalog)
    {
        _catalog = catalog;
    }

    public async ValueTask<DomainClass> ClassifyAsync(string domain, CancellationToken cancellationToken)
    {
        string normalized = domain.TrimEnd('.').ToLowerInvariant();
        if (await _catalog.IsLocalAsync(normalized, cancellationToken))
        {
            return DomainClass.Local;
        }

        return _catalog.IsRelay(normalized) ? DomainClass.Relay : DomainClass.Remote;
    }
}
