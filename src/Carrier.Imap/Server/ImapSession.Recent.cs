using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>
    /// Marks as \Recent in this session the selected messages above <paramref name="knownUid"/> that no other session
    /// has claimed. SELECT claims them; EXAMINE only looks (RFC 3501 §6.3.2: it must not take \Recent away).
    /// </summary>
    private void TakeRecent(SelectedMailbox selected, uint knownUid)
    {
        var messages = selected.Messages;
        uint claimedBefore = selected.ReadOnly
            ? _recent.Claimed(selected.Id, selected.UidValidity, messages)
            : _recent.Claim(selected.Id, selected.UidValidity, messages);
        uint floor = Math.Max(knownUid, claimedBefore);
        for (int i = messages.Count - 1; i >= 0 && messages[i].Uid > floor; i--)
        {
            selected.MarkRecent(messages[i].Uid);
        }
    }

    /// <summary>The RECENT response, which IMAP4rev2 removed: only IMAP4rev1 sessions get it.</summary>
    private void WriteRecentCount(SelectedMailbox selected)
    {
        if (!_rev2)
        {
            _out.Line($"* {selected.RecentCount} RECENT");
        }
    }

    /// <summary>
    /// The flags of a message as this session sees them: the stored ones, and \Recent if it is recent here and the
    /// client speaks IMAP4rev1 (IMAP4rev2 removed the flag).
    /// </summary>
    private string SessionFlagText(MessageInfo message)
    {
        string stored = FlagText(message);
        if (_rev2 || _selected?.IsRecent(message.Uid) != true)
        {
            return stored;
        }

        return stored.Length == 0 ? "\\Recent" : stored + " \\Recent";
    }

    /// <summary>STATUS RECENT: the messages no session has claimed yet.</summary>
    private int UnclaimedCount(MailboxInfo mailbox, IReadOnlyList<MessageInfo> messages)
    {
        uint claimed = _recent.Claimed(mailbox.Id, mailbox.UidValidity, messages);
        return messages.Count(m => m.Uid > claimed);
    }
}
