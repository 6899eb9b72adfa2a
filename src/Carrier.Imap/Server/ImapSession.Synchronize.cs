using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>
    /// Brings the session's view of the selected mailbox up to date and tells the client: EXISTS for new
    /// messages, FETCH for flags changed by others, and EXPUNGE (VANISHED under QRESYNC) for removed messages.
    /// </summary>
    /// <param name="allowExpunge">
    /// False while answering FETCH, STORE and SEARCH by sequence number, when RFC 9051 §7.5.1 forbids EXPUNGE
    /// responses (the numbers the client used must keep their meaning); the removals are reported later.
    /// </param>
    private async Task SynchronizeAsync(bool allowExpunge)
    {
        var selected = _selected;
        if (selected is null || !selected.TakeChanged())
        {
            return;
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, selected.Name, Aborted);
        if (mailbox is null || mailbox.Id != selected.Id)
        {
            // Deleted or renamed under us; the session keeps its view until the client selects again.
            return;
        }

        ulong highest = mailbox.HighestModSeq;
        if (allowExpunge)
        {
            var expunged = await _mailboxes.ListExpungedSinceAsync(selected.Id, selected.KnownModSeq, Aborted);
            ReportExpunged(selected, expunged);
        }

        int before = selected.Count;
        uint knownUid = before == 0 ? 0 : selected.Messages[^1].Uid;
        var changed = await _mailboxes.ListChangedSinceAsync(selected.Id, selected.KnownModSeq, Aborted);
        var flagChanges = new List<int>();
        foreach (var message in changed)
        {
            int index = selected.IndexOf(message.Uid);
            if (index < 0)
            {
                if (message.Uid > (selected.Count == 0 ? 0 : selected.Messages[^1].Uid))
                {
                    selected.Add(message);
                }

                continue;
            }

            var known = selected.Messages[index];
            if (known.ModSeq == message.ModSeq)
            {
                continue;
            }

            selected.Replace(index, message);
            if (known.Flags != message.Flags || !known.Keywords.SequenceEqual(message.Keywords) || _condStore)
            {
                flagChanges.Add(index);
            }
        }

        if (selected.Count != before)
        {
            _out.Line($"* {selected.Count} EXISTS");
            TakeRecent(selected, knownUid);
            WriteRecentCount(selected);
        }

        foreach (int index in flagChanges)
        {
            WriteFlagsFetch(selected, index);
        }

        if (allowExpunge)
        {
            selected.KnownModSeq = highest;
            selected.Share(_lists, highest);
        }
        else
        {
            // Expunges may be waiting: look again at the next point where they can be reported.
            selected.MarkChanged();
        }
    }

    private void ReportExpunged(SelectedMailbox selected, IReadOnlyList<uint> uids)
    {
        var vanished = new List<uint>();
        foreach (uint uid in uids.OrderDescending())
        {
            int index = selected.IndexOf(uid);
            if (index < 0)
            {
                continue;
            }

            selected.RemoveAt(index);
            if (_qresync)
            {
                vanished.Add(uid);
            }
            else
            {
                _out.Line($"* {index + 1} EXPUNGE");
            }
        }

        if (vanished.Count > 0)
        {
            _out.Line($"* VANISHED {SequenceSet.Format(vanished)}");
        }
    }

    /// <summary>An unsolicited FETCH with the current flags of one message (and UID and MODSEQ where the client wants them).</summary>
    private void WriteFlagsFetch(SelectedMailbox selected, int index)
    {
        var message = selected.Messages[index];
        string modseq = _condStore ? $" MODSEQ ({message.ModSeq})" : string.Empty;
        _out.Line($"* {index + 1} FETCH (UID {message.Uid} FLAGS ({SessionFlagText(message)}){modseq})");
    }

    internal static string FlagText(MessageInfo message)
    {
        var flags = new List<string>();
        if (message.Flags.HasFlag(MessageFlags.Seen))
        {
            flags.Add("\\Seen");
        }

        if (message.Flags.HasFlag(MessageFlags.Answered))
        {
            flags.Add("\\Answered");
        }

        if (message.Flags.HasFlag(MessageFlags.Flagged))
        {
            flags.Add("\\Flagged");
        }

        if (message.Flags.HasFlag(MessageFlags.Deleted))
        {
            flags.Add("\\Deleted");
        }

        if (message.Flags.HasFlag(MessageFlags.Draft))
        {
            flags.Add("\\Draft");
        }

        flags.AddRange(message.Keywords);
        return string.Join(' ', flags);
    }

    /// <summary>Maps a system flag name to its bit; null for keywords (and for \Recent, which cannot be stored).</summary>
    internal static MessageFlags? SystemFlag(string flag) => flag.ToUpperInvariant() switch
    {
        "\\SEEN" => MessageFlags.Seen,
        "\\ANSWERED" => MessageFlags.Answered,
        "\\FLAGGED" => MessageFlags.Flagged,
        "\\DELETED" => MessageFlags.Deleted,
        "\\DRAFT" => MessageFlags.Draft,
        _ => null,
    };
}
