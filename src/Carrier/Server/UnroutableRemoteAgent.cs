using Carrier.Delivery;
using Carrier.Queue;
using Carrier.Store.Queue;

namespace Carrier.Server;

/// <summary>
/// Remote recipients reach the queue only through local programs (sendmail) and aliases that point
/// elsewhere; until MX routing exists they wait in the queue with this reason and are retried.
/// </summary>
internal sealed class UnroutableRemoteAgent : IRemoteDeliveryAgent
{
    public ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, IReadOnlyList<QueuedRecipient> recipients, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<RecipientOutcome>>(
            [.. recipients.Select(r => new RecipientOutcome(r.Index, DeliveryOutcome.Temporary("4.4.0", "no route to remote domains: this server delivers only to local mailboxes", "none")))]);
}
