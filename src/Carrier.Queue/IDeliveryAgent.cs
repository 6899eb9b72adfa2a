using Carrier.Store.Queue;

namespace Carrier.Queue;

/// <summary>
/// The one delivery contract the queue runner knows. Local mailboxes and remote SMTP both implement it;
/// the runner neither knows nor cares which one took a recipient.
/// </summary>
public interface IDeliveryAgent
{
    /// <summary>
    /// Attempts every recipient of <paramref name="request"/> and returns one outcome per recipient.
    /// Must not throw for a recipient's failure; an exception means the whole attempt failed temporarily.
    /// </summary>
    ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>A message and the recipients due now, with a way to read its content as many times as needed.</summary>
/// <param name="CommitWithAttempt">When set, local deliveries go here to be committed with the attempt's outcome.</param>
public sealed record DeliveryRequest(
    QueuedMessage Message,
    IReadOnlyList<QueuedRecipient> Recipients,
    Func<CancellationToken, ValueTask<Stream>> OpenContentAsync,
    AttemptAppends? CommitWithAttempt = null);
