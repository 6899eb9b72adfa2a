using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

/// <summary>
/// Which messages are still to be claimed as \Recent (RFC 3501 §2.3.2): a message is recent in exactly one session,
/// the first to select its mailbox (or to have it selected) after it arrived. Kept per mailbox as the highest UID
/// some session has claimed, shared by every session of this server and held in memory only.
/// </summary>
/// <remarks>
/// Nothing is persisted, so a restart forgets which session saw what. When a mailbox is first looked at after
/// start, the messages that arrived before the start (by INTERNALDATE, walking up from the lowest UID) count as
/// claimed and everything from the first message that arrived since then is recent to the next session that
/// selects the mailbox. A new UIDVALIDITY starts the mailbox over the same way.
/// </remarks>
public sealed class RecentMessages
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, (uint UidValidity, uint Claimed)> _claimed = [];
    private readonly DateTimeOffset _startedAt;

    public RecentMessages(DateTimeOffset startedAt)
    {
        _startedAt = startedAt;
    }

    /// <summary>
    /// Claims every message of <paramref name="messages"/> (ascending UIDs) that no session has claimed; returns the
    /// highest UID claimed before, so the caller's recent messages are those above it.
    /// </summary>
    public uint Claim(long mailboxId, uint uidValidity, IReadOnlyList<MessageInfo> messages)
    {
        lock (_lock)
        {
            uint claimed = ClaimedLocked(mailboxId, uidValidity, messages);
            uint highest = messages.Count == 0 ? 0 : messages[^1].Uid;
            if (highest > claimed)
            {
                _claimed[mailboxId] = (uidValidity, highest);
            }

            return claimed;
        }
    }

    /// <summary>The highest UID claimed so far, without claiming anything (EXAMINE, STATUS).</summary>
    public uint Claimed(long mailboxId, uint uidValidity, IReadOnlyList<MessageInfo> messages)
    {
        lock (_lock)
        {
            return ClaimedLocked(mailboxId, uidValidity, messages);
        }
    }

    private uint ClaimedLocked(long mailboxId, uint uidValidity, IReadOnlyList<MessageInfo> messages)
    {
        if (_claimed.TryGetValue(mailboxId, out var entry) && entry.UidValidity == uidValidity)
        {
            return entry.Claimed;
        }

        uint before = 0;
        foreach (var message in messages)
        {
            if (message.InternalDate >= _startedAt)
            {
                break;
            }

            before = message.Uid;
        }

        _claimed[mailboxId] = (uidValidity, before);
        return before;
    }
}
