using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;

namespace Carrier.Store.Queue;

/// <summary>
/// The durable queue. Everything that receives mail ends here; everything that delivers starts here.
/// </summary>
public interface IQueueStore
{
    /// <summary>
    /// Stores envelope, recipients and content. When the returned task completes, the message is on stable
    /// storage and may be acknowledged with 250 (ARCHITECTURE.md §4.1).
    /// </summary>
    ValueTask EnqueueAsync(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, IBlobWriter content, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="maxMessages"/> messages that have recipients due at <paramref name="now"/>
    /// and are neither held nor claimed; a claim lasts <paramref name="lease"/> unless completed first.
    /// </summary>
    ValueTask<IReadOnlyList<QueueDispatch>> ClaimDueAsync(DateTimeOffset now, int maxMessages, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcome of an attempt, releases the claim, files <paramref name="appends"/> (local
    /// deliveries) into their mailboxes, inserts <paramref name="submissions"/> (bounces, forwards) and removes
    /// the message once every recipient is final, all in one transaction: either the attempt happened, or
    /// none of it did. Returns true when the message left the queue.
    /// </summary>
    ValueTask<bool> CompleteAttemptAsync(string messageId, IReadOnlyList<RecipientUpdate> updates, IReadOnlyList<QueueSubmission> submissions, IReadOnlyList<AppendRequest> appends, CancellationToken cancellationToken);

    /// <summary>Clears every claim; called at start-up by the only process that delivers from this store.</summary>
    ValueTask ReleaseAllClaimsAsync(CancellationToken cancellationToken);

    /// <summary>The earliest time a non-held recipient is due, or null when nothing is waiting.</summary>
    ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<QueueEntry>> ListAsync(CancellationToken cancellationToken);

    ValueTask<QueueEntry?> GetAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Removes a message without delivering or bouncing it; returns false if it is not queued.</summary>
    ValueTask<bool> DeleteAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Sets or clears the hold flag; held messages are never attempted. Returns false if not queued.</summary>
    ValueTask<bool> SetHeldAsync(string messageId, bool held, CancellationToken cancellationToken);

    /// <summary>Makes deferred recipients due now (one message, or all when <paramref name="messageId"/> is null); returns how many.</summary>
    ValueTask<int> FlushAsync(string? messageId, DateTimeOffset now, CancellationToken cancellationToken);
}
