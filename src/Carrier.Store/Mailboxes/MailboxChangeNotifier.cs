using System.Collections.Concurrent;

namespace Carrier.Store.Mailboxes;

/// <summary>
/// Tells sessions that a mailbox changed (new message, flags, expunge) so that they can look again. A notice
/// carries no data: the store stays the single source of truth, and a missed notice only delays an update.
/// </summary>
public sealed class MailboxChangeNotifier
{
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<Subscription, byte>> _subscribers = new();

    /// <summary>Calls <paramref name="changed"/> after each committed change of the mailbox; dispose to stop.</summary>
    public IDisposable Subscribe(long mailboxId, Action changed)
    {
        var subscription = new Subscription(this, mailboxId, changed);
        _subscribers.GetOrAdd(mailboxId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    public void Publish(long mailboxId)
    {
        if (_subscribers.TryGetValue(mailboxId, out var subscribers))
        {
            foreach (var subscriber in subscribers.Keys)
            {
                subscriber.Changed();
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        if (_subscribers.TryGetValue(subscription.MailboxId, out var subscribers))
        {
            subscribers.TryRemove(subscription, out _);
        }
    }

    private sealed class Subscription(MailboxChangeNotifier owner, long mailboxId, Action changed) : IDisposable
    {
        public long MailboxId { get; } = mailboxId;

        public Action Changed { get; } = changed;

        public void Dispose() => owner.Remove(this);
    }
}
