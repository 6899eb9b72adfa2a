using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

/// <summary>
/// One copy of a mailbox's message list for all the sessions that have it selected in the same state. A
/// session's list is otherwise the largest thing it holds (a record per message), and thousands of clients
/// idle on the same INBOX. A session that changes its view copies the list first (<see cref="SelectedMailbox"/>)
/// and shares again once it has caught up with the store.
/// </summary>
/// <remarks>
/// A state is named by the mailbox's UIDVALIDITY and HIGHESTMODSEQ: every append, flag change and expunge raises
/// HIGHESTMODSEQ, so two lists with the same name hold the same messages. The lists are held weakly: the last
/// session to let go of one frees it.
/// </remarks>
public sealed class SharedMessageLists
{
    // Dead entries are swept when this many mailboxes have been registered since the last sweep.
    private const int SweepInterval = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Entry> _latest = [];
    private int _registeredSinceSweep;

    /// <summary>The list of the mailbox in exactly that state, when some session holds it.</summary>
    internal MessageInfo[]? Find(long mailboxId, uint uidValidity, ulong modSeq)
    {
        lock (_lock)
        {
            return _latest.TryGetValue(mailboxId, out var entry) && entry.UidValidity == uidValidity && entry.ModSeq == modSeq
                && entry.Messages.TryGetTarget(out var messages) ? messages : null;
        }
    }

    /// <summary>
    /// A shared list with the same messages (UIDs and MODSEQs) as <paramref name="messages"/>: the one already
    /// registered for the mailbox when it has them, otherwise a copy of these, registered as the mailbox's
    /// state <paramref name="modSeq"/>.
    /// </summary>
    internal MessageInfo[] Share(long mailboxId, uint uidValidity, ulong modSeq, IReadOnlyList<MessageInfo> messages)
    {
        lock (_lock)
        {
            if (_latest.TryGetValue(mailboxId, out var entry) && entry.UidValidity == uidValidity
                && entry.Messages.TryGetTarget(out var existing) && SameMessages(existing, messages))
            {
                // The same messages read at a later state: nothing changed in between, so it names this list too.
                if (modSeq > entry.ModSeq)
                {
                    _latest[mailboxId] = entry with { ModSeq = modSeq };
                }

                return existing;
            }

            MessageInfo[] copy = [.. messages];
            _latest[mailboxId] = new Entry(uidValidity, modSeq, new WeakReference<MessageInfo[]>(copy));
            if (++_registeredSinceSweep >= SweepInterval)
            {
                _registeredSinceSweep = 0;
                foreach (var (id, old) in _latest.Where(e => !e.Value.Messages.TryGetTarget(out _)).ToList())
                {
                    _latest.Remove(id);
                }
            }

            return copy;
        }
    }

    // A message's flags and keywords change only together with its MODSEQ, so UID and MODSEQ name its state.
    private static bool SameMessages(MessageInfo[] shared, IReadOnlyList<MessageInfo> messages)
    {
        if (shared.Length != messages.Count)
        {
            return false;
        }

        for (int i = 0; i < shared.Length; i++)
        {
            if (shared[i].Uid != messages[i].Uid || shared[i].ModSeq != messages[i].ModSeq)
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Entry(uint UidValidity, ulong ModSeq, WeakReference<MessageInfo[]> Messages);
}
