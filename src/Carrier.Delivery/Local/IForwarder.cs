using Carrier.Queue;
using Carrier.Routing.Addresses;
using Carrier.Store.Queue;

namespace Carrier.Delivery.Local;

/// <summary>Sends a copy of a message on to addresses elsewhere (aliases that point off this server).</summary>
public interface IForwarder
{
    /// <summary>
    /// Queues the copy; returns null when it was queued (the recipient then counts as delivered here),
    /// or the failure to record for the recipient.
    /// </summary>
    ValueTask<DeliveryOutcome?> ForwardAsync(DeliveryRequest request, QueuedRecipient recipient, IReadOnlyList<EmailAddress> targets, CancellationToken cancellationToken);
}
