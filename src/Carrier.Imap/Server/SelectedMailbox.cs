using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

/// <summary>
/// The selected mailbox as this session knows it: its own message sequence numbers (RFC 9051 §2.3.1.2), which
/// change only when the session tells the client (EXPUNGE, EXISTS), and the MODSEQ up to which it has caught
/// up with the store. The message list is shared with other sessions (<see cref="SharedMessageLists"/>) until
/// this one changes it; then it is copied, and shared again when the session catches up.
/// </summary>
internal sealed class SelectedMailbox : IDisposable
{
    private MessageInfo[] _shared;
    private List<MessageInfo>? _own;
    private readonly IDisposable _subscription;
    private readonly HashSet<uint> _recent = [];
    private int _changed;

    public SelectedMailbox(MailboxInfo mailbox, bool readOnly, MessageInfo[] messages, MailboxChangeNotifier notifier, Action wake)
    {
        Id = mailbox.Id;
        Name = mailbox.Name;
        UidValidity = mailbox.UidValidity;
        KnownModSeq = mailbox.HighestModSeq;
        ReadOnly = readOnly;
        _shared = messages;
        _subscription = notifier.Subscribe(mailbox.Id, () =>
        {
            Volatile.Write(ref _changed, 1);
            wake();
        });
    }

    public long Id { get; }

    public string Name { get; }

    public uint UidValidity { get; }

    public bool ReadOnly { get; }

    /// <summary>The store's HIGHESTMODSEQ when the session last caught up completely.</summary>
    public ulong KnownModSeq { get; set; }

    public IReadOnlyList<MessageInfo> Messages => _own is null ? _shared : _own;

    public int Count => _own?.Count ?? _shared.Length;

    public uint[] Uids() => [.. Messages.Select(m => m.Uid)];

    /// <summary>Takes the "something changed" mark set by the store's notice (and sets it again when asked to).</summary>
    public bool TakeChanged() => Interlocked.Exchange(ref _changed, 0) == 1;

    public void MarkChanged() => Volatile.Write(ref _changed, 1);

    /// <summary>The 0-based index of a UID, or -1.</summary>
    public int IndexOf(uint uid)
    {
        int low = 0;
        var messages = Messages;
        int high = messages.Count - 1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            uint found = messages[middle].Uid;
            if (found == uid)
            {
                return middle;
            }

            if (found < uid)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }

    public void Replace(int index, MessageInfo message) => Own()[index] = message;

    public void RemoveAt(int index)
    {
        // An expunged message leaves the recent set too, so a long session's set stays as small as its mailbox.
        _recent.Remove(Messages[index].Uid);
        Own().RemoveAt(index);
    }

    /// <summary>Adds a message the session has not seen, keeping UID order.</summary>
    public void Add(MessageInfo message)
    {
        var messages = Own();
        if (messages.Count == 0 || messages[^1].Uid < message.Uid)
        {
            messages.Add(message);
            return;
        }

        int index = messages.FindIndex(m => m.Uid > message.Uid);
        messages.Insert(index < 0 ? messages.Count : index, message);
    }

    /// <summary>Whether the message is \Recent in this session (RFC 3501 §2.3.2).</summary>
    public bool IsRecent(uint uid) => _recent.Contains(uid);

    public void MarkRecent(uint uid) => _recent.Add(uid);

    public int RecentCount => _recent.Count == 0 ? 0 : Messages.Count(m => _recent.Contains(m.Uid));

    /// <summary>
    /// Gives up this session's own copy of the list for the shared one, once the session has caught up with the
    /// store's state <paramref name="modSeq"/> (its list is then the store's).
    /// </summary>
    public void Share(SharedMessageLists lists, ulong modSeq)
    {
        if (_own is not null)
        {
            _shared = lists.Share(Id, UidValidity, modSeq, _own);
            _own = null;
        }
    }

    private List<MessageInfo> Own() => _own ??= [.. _shared];

    public void Dispose() => _subscription.Dispose();
}
