using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private const int MaxKeywordLength = 128;

    private async Task<bool> StoreAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        string syntax = $"{(uid ? "UID " : string.Empty)}STORE sequence-set [(UNCHANGEDSINCE modseq)] (+|-)FLAGS[.SILENT] (flags)";
        if (!args.Space() || !args.TryReadSequenceSet(out var set) || !args.Space())
        {
            return BadSyntax(command, syntax);
        }

        ulong? unchangedSince = null;
        if (args.TryRead((byte)'('))
        {
            if (!args.TryReadKeyword("UNCHANGEDSINCE") || !args.Space() || !args.TryReadNumber64(out ulong since) || !args.TryRead((byte)')') || !args.Space())
            {
                return BadSyntax(command, syntax);
            }

            unchangedSince = since;
            _condStore = true;
        }

        if (!args.TryReadAtom(out string action) || !args.Space() || !args.TryReadFlagList(out var flagNames, allowBare: true) || !args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        action = action.ToUpperInvariant();
        FlagOperation? operation = action switch
        {
            "FLAGS" or "FLAGS.SILENT" => FlagOperation.Replace,
            "+FLAGS" or "+FLAGS.SILENT" => FlagOperation.Add,
            "-FLAGS" or "-FLAGS.SILENT" => FlagOperation.Remove,
            _ => null,
        };
        if (operation is null)
        {
            return BadSyntax(command, syntax);
        }

        bool silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        if (!TryParseFlags(flagNames, out var flags, out var keywords, out string? flagProblem))
        {
            return Bad(command.Tag, flagProblem!);
        }

        var selected = _selected!;
        if (selected.ReadOnly)
        {
            return No(command, "[READ-ONLY] The mailbox is read-only");
        }

        var indexes = Resolve(set, uid);
        if (indexes is null)
        {
            return Bad(command.Tag, "Invalid message sequence number");
        }

        var uids = indexes.Select(i => selected.Messages[i].Uid).ToList();
        var result = uids.Count == 0
            ? new FlagUpdateResult([], [])
            : await _mailboxes.StoreFlagsAsync(selected.Id, uids, operation.Value, flags, keywords, unchangedSince, Aborted);
        ApplyChanges(selected, result.Changed);
        var conflicts = result.Conflicts.ToHashSet();
        foreach (int index in indexes)
        {
            var message = selected.Messages[index];
            if (conflicts.Contains(message.Uid))
            {
                continue;
            }

            if (!silent)
            {
                string uidPart = uid ? $"UID {message.Uid} " : string.Empty;
                string modseq = _condStore ? $" MODSEQ ({message.ModSeq})" : string.Empty;
                _out.Line($"* {index + 1} FETCH ({uidPart}FLAGS ({SessionFlagText(message)}){modseq})");
            }
        }

        await SynchronizeAsync(allowExpunge: uid);
        if (conflicts.Count > 0)
        {
            var numbers = uid ? conflicts.ToList() : indexes.Where(i => conflicts.Contains(selected.Messages[i].Uid)).Select(i => (uint)i + 1).ToList();
            return Ok(command, $"[MODIFIED {SequenceSet.Format(numbers)}] Conditional STORE failed for some messages");
        }

        return Ok(command, $"{(uid ? "UID STORE" : "STORE")} completed");
    }

    /// <summary>Splits flag names into system flags and keywords; \Recent is ignored, other unknown system flags refused.</summary>
    private static bool TryParseFlags(IEnumerable<string> names, out MessageFlags flags, out List<string> keywords, out string? problem)
    {
        flags = MessageFlags.None;
        keywords = [];
        problem = null;
        foreach (string name in names)
        {
            if (name.StartsWith('\\'))
            {
                if (SystemFlag(name) is { } flag)
                {
                    flags |= flag;
                }
                else if (!name.Equals("\\Recent", StringComparison.OrdinalIgnoreCase))
                {
                    problem = $"{name} is not a system flag";
                    return false;
                }

                continue;
            }

            if (name.Length > MaxKeywordLength)
            {
                problem = $"Keywords are limited to {MaxKeywordLength} characters";
                return false;
            }

            if (!keywords.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                keywords.Add(name);
            }
        }

        return true;
    }

    private async Task<bool> CopyAsync(CommandContext command, bool uid, bool move)
    {
        var args = command.Args;
        string syntax = $"{(uid ? "UID " : string.Empty)}{command.Name} sequence-set mailbox";
        if (!args.Space() || !args.TryReadSequenceSet(out var set) || !args.Space() || !TryReadMailbox(args, out string name) || !args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        var selected = _selected!;
        if (move && selected.ReadOnly)
        {
            return No(command, "[READ-ONLY] The mailbox is read-only");
        }

        var indexes = Resolve(set, uid);
        if (indexes is null)
        {
            return Bad(command.Tag, "Invalid message sequence number");
        }

        var target = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (target is null)
        {
            return No(command, "[TRYCREATE] No such mailbox");
        }

        var uids = indexes.Select(i => selected.Messages[i].Uid).ToList();
        if (uids.Count == 0)
        {
            return Ok(command, $"{command.Name} completed (nothing to {command.Name.ToLowerInvariant()})");
        }

        var pairs = await _mailboxes.CopyAsync(selected.Id, uids, target.Id, move, Aborted);
        string copyUid = pairs.Count == 0
            ? string.Empty
            : $"[COPYUID {target.UidValidity} {SequenceSet.FormatInOrder([.. pairs.Select(p => p.Source)])} {SequenceSet.FormatInOrder([.. pairs.Select(p => p.Target)])}] ";
        if (move)
        {
            // RFC 6851 §4.3: COPYUID comes in an untagged OK before the expunges.
            if (copyUid.Length > 0)
            {
                _out.Line($"* OK {copyUid}Moved");
            }

            ReportExpunged(selected, [.. pairs.Select(p => p.Source)]);
            await SynchronizeAsync(allowExpunge: true);
            return Ok(command, $"{(uid ? "UID MOVE" : "MOVE")} completed");
        }

        await SynchronizeAsync(allowExpunge: uid);
        return Ok(command, $"{copyUid}{(uid ? "UID COPY" : "COPY")} completed");
    }
}
