using Carrier.Delivery.Local;
using Carrier.Queue;
using Carrier.Routing;
using Carrier.Routing.Addresses;
using Carrier.Store.Queue;

namespace Carrier.Delivery;

/// <summary>
/// The queue's delivery agent: sends each recipient to the local mailboxes or to the remote agent,
/// by the domain classifier's word, and merges their outcomes.
/// </summary>
public sealed class DeliveryRouter : IDeliveryAgent
{
    private readonly DomainClassifier _classifier;
    private readonly LocalDeliveryAgent _local;
    private readonly IRemoteDeliveryAgent _remote;
    private readonly int _maxHops;

    /// <param name="maxHops">Received: headers allowed before a message is taken to be in a loop (Postfix hopcount_limit: 50).</param>
    public DeliveryRouter(DomainClassifier classifier, LocalDeliveryAgent local, IRemoteDeliveryAgent remote, int maxHops = 50)
    {
        _classifier = classifier;
        _local = local;
        _remote = remote;
        _maxHops = maxHops;
    }

    public async ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        int hops;
        await using (var content = await request.OpenContentAsync(cancellationToken))
        {
            hops = await HopCounter.CountAsync(content, cancellationToken);
        }

        if (hops > _maxHops)
        {
            var loop = DeliveryOutcome.Permanent("5.4.6", $"too many hops: {hops} Received: headers, more than {_maxHops} (a mail loop?)", "none");
            return [.. request.Recipients.Select(r => new RecipientOutcome(r.Index, loop))];
        }

        var local = new List<QueuedRecipient>();
        var remote = new List<QueuedRecipient>();
        var outcomes = new List<RecipientOutcome>();
        foreach (var recipient in request.Recipients)
        {
            if (!EmailAddress.TryParse(recipient.Address, out var address))
            {
                outcomes.Add(new RecipientOutcome(recipient.Index, DeliveryOutcome.Permanent("5.1.3", "bad recipient address syntax", "none")));
                continue;
            }

            var domainClass = await _classifier.ClassifyAsync(address.Domain, cancellationToken);
            (domainClass == DomainClass.Local ? local : remote).Add(recipient);
        }

        if (local.Count > 0)
        {
            outcomes.AddRange(await _local.DeliverAsync(request, local, cancellationToken));
        }

        if (remote.Count > 0)
        {
            outcomes.AddRange(await _remote.DeliverAsync(request, remote, cancellationToken));
        }

        return outcomes;
    }
}

/// <summary>Delivers to other servers (MX lookup, SMTP client); the router hands it every non-local recipient.</summary>
public interface IRemoteDeliveryAgent
{
    ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, IReadOnlyList<QueuedRecipient> recipients, CancellationToken cancellationToken);
}
