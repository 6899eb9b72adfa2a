using Carrier.Store.Queue;

namespace Carrier.Queue;

/// <summary>
/// The queue's only state transition: from a recipient's state and an attempt's outcome to its next state.
/// Pure (time and jitter are arguments), so every path is unit-tested without a clock.
/// </summary>
/// <remarks>
/// queued/deferred + delivered → delivered; + permanent failure → bounced; + temporary failure → deferred
/// with backoff, or expired once the message has been queued longer than the lifetime. Final states never
/// change (ARCHITECTURE.md §4.2: every recipient reaches exactly one end).
/// </remarks>
public static class RecipientTransitions
{
    public static RecipientUpdate Next(QueuedRecipient recipient, QueuedMessage message, DeliveryOutcome outcome, DateTimeOffset now, RetryPolicy policy, double jitter)
    {
        if (recipient.State.IsFinal())
        {
            throw new InvalidOperationException($"Recipient {recipient.Index} of {message.Id} is already {recipient.State.ToDisplay()}.");
        }

        int attempts = recipient.Attempts + 1;
        return outcome.Kind switch
        {
            OutcomeKind.Delivered => Update(RecipientState.Delivered, now),
            OutcomeKind.PermanentFailure => Update(RecipientState.Bounced, now),
            _ when now - message.ArrivedAt >= policy.MaxLifetime => Update(RecipientState.Expired, now),
            _ => Update(RecipientState.Deferred, now + policy.Backoff(attempts, jitter)),
        };

        RecipientUpdate Update(RecipientState state, DateTimeOffset next) =>
            new(recipient.Index, state, attempts, next, now, outcome.Reply, outcome.Status, outcome.Relay);
    }
}
