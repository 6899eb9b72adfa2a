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

    public DeliveryRouter(DomainClassifier classifier, LocalDeliveryAgent local, IRemoteDeliveryAgent remote)
    {
        _classifier = classifier;
        _local = local;
        _remote = remote;
    }

    public async ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
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
