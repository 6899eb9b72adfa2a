using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private async Task<bool> SelectAsync(CommandContext command, bool readOnly)
    {
        var args = command.Args;
        string syntax = $"{command.Name} mailbox [(CONDSTORE)] or [(QRESYNC (uidvalidity modseq [known-uids]))]";
        if (!args.Space() || !TryReadMailbox(args, out string name))
        {
            return BadSyntax(command, syntax);
        }

        QresyncParameters? qresync = null;
        if (args.Space())
        {
            if (!args.TryRead((byte)'(') || !TryReadSelectParameter(args, out bool condStore, out qresync) || !args.TryRead((byte)')'))
            {
                return BadSyntax(command, syntax);
            }

            if (qresync is not null && !_qresync)
            {
                return Bad(command.Tag, "Enable QRESYNC first");
            }

            _condStore |= condStore;
        }

        if (!args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        if (_selected is not null)
        {
            // RFC 9051 §6.3.2: the previous mailbox is closed (without expunge) even if this SELECT fails.
            _selected.Dispose();
            _selected = null;
            _state = ImapState.Authenticated;
            _out.Line("* OK [CLOSED] Previous mailbox closed");
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (mailbox is null)
        {
            return No(command, "[NONEXISTENT] No such mailbox");
        }

        var messages = _lists.Find(mailbox.Id, mailbox.UidValidity, mailbox.HighestModSeq)
            ?? _lists.Share(mailbox.Id, mailbox.UidValidity, mailbox.HighestModSeq, await _mailboxes.ListMessagesAsync(mailbox.Id, Aborted));
        var selected = new SelectedMailbox(mailbox, readOnly, messages, _mailboxes.Changes, WakeIdle);
        _selected = selected;
        _state = ImapState.Selected;
        _searchResult = [];
        TakeRecent(selected, knownUid: 0);

        _out.Line("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
        _out.Line(readOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox" : "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted");
        _out.Line($"* {selected.Count} EXISTS");
        WriteRecentCount(selected);
        if (!_rev2)
        {
            int firstUnseen = Array.FindIndex(messages, m => !m.Flags.HasFlag(MessageFlags.Seen));
            if (firstUnseen >= 0)
            {
                _out.Line($"* OK [UNSEEN {firstUnseen + 1}] First unseen message");
            }
        }

        _out.Line($"* OK [UIDVALIDITY {mailbox.UidValidity}] UIDs valid");
        _out.Line($"* OK [UIDNEXT {mailbox.UidNext}] Predicted next UID");
        if (_condStore)
        {
            _out.Line($"* OK [HIGHESTMODSEQ {Math.Max(mailbox.HighestModSeq, 1)}] Highest");
        }

        if (_rev2)
        {
            _out.Text("* LIST () \"/\" ").Mailbox(mailbox.Name).EndLine();
        }

        if (qresync is { } resync && resync.UidValidity == mailbox.UidValidity)
        {
            await ResynchronizeAsync(selected, resync);
        }

        LogMailboxOperation(readOnly ? "examine" : "select", User, mailbox.Name);
        return Ok(command, $"[{(readOnly ? "READ-ONLY" : "READ-WRITE")}] {command.Name} completed");
    }

    private sealed record QresyncParameters(uint UidValidity, ulong ModSeq, SequenceSet? KnownUids);

    private static bool TryReadSelectParameter(ImapReader args, out bool condStore, out QresyncParameters? qresync)
    {
        condStore = false;
        qresync = null;
        if (args.TryReadKeyword("CONDSTORE"))
        {
            condStore = true;
            return true;
        }

        // RFC 7162 §3.2.5: QRESYNC (uidvalidity mod-sequence-value [known-uids [seq-match-data]]).
        if (!args.TryReadKeyword("QRESYNC") || !args.Space() || !args.TryRead((byte)'(') || !args.TryReadNumber(out uint validity) || !args.Space() || !args.TryReadNumber64(out ulong modseq))
        {
            return false;
        }

        SequenceSet? known = null;
        if (args.Space())
        {
            if (!args.TryReadSequenceSet(out var set))
            {
                return false;
            }

            known = set;
            if (args.Space())
            {
                // seq-match-data helps servers without a full expunge history; Carrier keeps one, so it is read and ignored.
                if (!args.TryRead((byte)'(') || !args.TryReadSequenceSet(out _) || !args.Space() || !args.TryReadSequenceSet(out _) || !args.TryRead((byte)')'))
                {
                    return false;
                }
            }
        }

        condStore = true;
        qresync = new QresyncParameters(validity, modseq, known);
        return args.TryRead((byte)')');
    }

    /// <summary>RFC 7162 §3.2.5.1: what changed since the client's MODSEQ: VANISHED (EARLIER) and FETCH responses.</summary>
    private async Task ResynchronizeAsync(SelectedMailbox selected, QresyncParameters resync)
    {
        var expunged = await _mailboxes.ListExpungedSinceAsync(selected.Id, resync.ModSeq, Aborted);
        var vanished = expunged.Where(uid => resync.KnownUids?.Contains(uid, uint.MaxValue) ?? true).ToList();
        if (vanished.Count > 0)
        {
            _out.Line($"* VANISHED (EARLIER) {SequenceSet.Format(vanished)}");
        }

        for (int i = 0; i < selected.Count; i++)
        {
            var message = selected.Messages[i];
            if (message.ModSeq > resync.ModSeq && (resync.KnownUids?.Contains(message.Uid, uint.MaxValue) ?? true))
            {
                WriteFlagsFetch(selected, i);
            }
        }
    }

    private void WakeIdle()
    {
        if (_mode == InputMode.Idle)
        {
            Input.CancelPendingRead();
        }
    }

    private async Task<bool> CloseAsync(CommandContext command, bool expunge)
    {
        if (!command.Args.AtEnd)
        {
            return Bad(command.Tag, $"{command.Name} takes no arguments");
        }

        var selected = _selected!;
        if (expunge && !selected.ReadOnly)
        {
            // RFC 9051 §6.4.1: CLOSE removes \Deleted messages silently.
            await _mailboxes.ExpungeAsync(selected.Id, null, Aborted);
        }

        selected.Dispose();
        _selected = null;
        _searchResult = [];
        _state = ImapState.Authenticated;
        return Ok(command, $"{command.Name} completed");
    }

    private async Task<bool> ExpungeAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        SequenceSet? uids = null;
        if (uid && (!args.Space() || !args.TryReadSequenceSet(out uids)))
        {
            return BadSyntax(command, "UID EXPUNGE uid-set");
        }

        if (!args.AtEnd)
        {
            return BadSyntax(command, uid ? "UID EXPUNGE uid-set" : "EXPUNGE");
        }

        var selected = _selected!;
        if (selected.ReadOnly)
        {
            return No(command, "[READ-ONLY] The mailbox is read-only");
        }

        List<uint>? chosen = null;
        if (uids is not null)
        {
            chosen = [.. Resolve(uids, uid: true)!.Select(i => selected.Messages[i].Uid)];
        }

        var removed = await _mailboxes.ExpungeAsync(selected.Id, chosen, Aborted);
        ReportExpunged(selected, removed);
        await SynchronizeAsync(allowExpunge: true);
        return Ok(command, $"{(_condStore ? $"[HIGHESTMODSEQ {await CurrentModSeqAsync(selected)}] " : string.Empty)}{(uid ? "UID EXPUNGE" : "EXPUNGE")} completed");
    }

    private async Task<ulong> CurrentModSeqAsync(SelectedMailbox selected) =>
        Math.Max((await _mailboxes.GetMailboxAsync(_account!.Id, selected.Name, Aborted))?.HighestModSeq ?? selected.KnownModSeq, 1);

    private Task<bool> IdleAsync(CommandContext command)
    {
        if (!command.Args.AtEnd)
        {
            return Task.FromResult(Bad(command.Tag, "IDLE takes no arguments"));
        }

        _pendingTag = command.Tag;
        _mode = InputMode.Idle;
        _selected?.MarkChanged();
        _out.Line("+ idling");
        return Task.FromResult(false);
    }

    private async ValueTask<(bool Close, bool Progressed)> EndIdleAsync(byte[] line)
    {
        _mode = InputMode.Command;
        if (!System.Text.Ascii.EqualsIgnoreCase(line, "DONE"u8))
        {
            return (Bad(_pendingTag, "Expected DONE to end IDLE"), true);
        }

        await SynchronizeAsync(allowExpunge: true);
        _out.Line($"{_pendingTag} OK IDLE terminated");
        return (false, true);
    }
}
