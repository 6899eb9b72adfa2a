using System.Text;
using Carrier.Imap.Messages;
using Carrier.Imap.Protocol;

namespace Carrier.Imap.Server;

/// <summary>SORT and THREAD (RFC 5256, with DISPLAYFROM and DISPLAYTO of RFC 5957), answered from the cached summaries.</summary>
public sealed partial class ImapSession
{
    private async Task<bool> SortAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        if (!args.Space())
        {
            return BadSyntax(command, "SORT (sort-keys) charset criteria");
        }

        var criteria = SortCriteria.Parse(args, out string error);
        if (criteria is null)
        {
            return BadSyntax(command, error);
        }

        var matches = await MatchForOrderingAsync(command);
        if (matches is null)
        {
            return false;
        }

        bool needsEnvelope = criteria.Any(c => c.Key is not (SortKeyKind.Arrival or SortKeyKind.Size));
        var messages = await LoadSortableAsync(matches, uid, needsEnvelope, needsReferences: false);
        messages.Sort((a, b) => SortableMessage.Compare(a, b, criteria));

        var line = new StringBuilder("* SORT");
        foreach (var message in messages)
        {
            line.Append(' ').Append(message.Number);
        }

        _out.Line(line.ToString());
        await SynchronizeAsync(allowExpunge: uid);
        return Ok(command, $"{(uid ? "UID SORT" : "SORT")} completed");
    }

    private async Task<bool> ThreadAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        if (!args.Space() || !args.TryReadAtom(out string algorithm))
        {
            return BadSyntax(command, "THREAD algorithm charset criteria");
        }

        algorithm = algorithm.ToUpperInvariant();
        if (algorithm is not ("ORDEREDSUBJECT" or "REFERENCES"))
        {
            return Bad(command.Tag, "Unknown threading algorithm: use ORDEREDSUBJECT or REFERENCES");
        }

        var matches = await MatchForOrderingAsync(command);
        if (matches is null)
        {
            return false;
        }

        bool references = algorithm == "REFERENCES";
        var messages = await LoadSortableAsync(matches, uid, needsEnvelope: true, needsReferences: references);
        var threads = references ? ThreadBuilder.References(messages) : ThreadBuilder.OrderedSubject(messages);
        string text = ThreadBuilder.Format(threads);
        _out.Line(text.Length == 0 ? "* THREAD" : "* THREAD " + text);
        await SynchronizeAsync(allowExpunge: uid);
        return Ok(command, $"{(uid ? "UID THREAD" : "THREAD")} completed");
    }

    /// <summary>
    /// Reads "SP charset SP criteria" (the rest of SORT and THREAD) and finds the matching messages; null when the
    /// command has been answered with BAD or NO.
    /// </summary>
    private async Task<List<int>?> MatchForOrderingAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !args.TryReadAString(out string charset) || !args.Space())
        {
            BadSyntax(command, $"{command.Name} ... charset criteria");
            return null;
        }

        if (!IsKnownCharset(charset))
        {
            No(command, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            return null;
        }

        var parser = new SearchParser(args, _options.MaxNestingDepth);
        var key = parser.ParseAll();
        if (key is null)
        {
            Bad(command.Tag, parser.Error);
            return null;
        }

        return await FindMatchesAsync(ResolveSearchResult(key), _selected!);
    }

    /// <summary>The matched messages with what ordering needs from their cached summaries (never from their content).</summary>
    private async Task<List<SortableMessage>> LoadSortableAsync(List<int> indexes, bool uid, bool needsEnvelope, bool needsReferences)
    {
        var selected = _selected!;
        var summaries = needsEnvelope ? await LoadSummariesAsync(selected, indexes) : null;
        var sortable = new List<SortableMessage>(indexes.Count);
        foreach (int index in indexes)
        {
            var message = selected.Messages[index];
            var summary = summaries?[message.BlobId];
            if (needsReferences && summary is { References: null })
            {
                // Stored before summaries kept References: computed again once, and cached for the next THREAD.
                summary = await SummarizeBlobAsync(message.BlobId);
            }

            var envelope = summary is null ? EnvelopeFields.None : EnvelopeFields.Parse(summary.Envelope);
            sortable.Add(new SortableMessage(index, uid ? message.Uid : (uint)index + 1, message.InternalDate, message.Size, envelope, summary?.References));
        }

        return sortable;
    }
}
