using System.Globalization;
using Carrier.Imap.Messages;
using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private const long FlushThreshold = 64 * 1024;

    /// <summary>The messages of the selected mailbox a sequence set names; null when a sequence number does not exist.</summary>
    private List<int>? Resolve(SequenceSet set, bool uid)
    {
        var selected = _selected!;
        if (set.IsSearchResult)
        {
            return SearchResultIndexes();
        }

        if (uid)
        {
            return set.Select(selected.Uids());
        }

        // RFC 9051 §6.4.5: a message sequence number beyond the mailbox is an error ("*" is the last message).
        // In an empty mailbox clients commonly ask for "1:*"; that names nothing rather than something wrong.
        if (selected.Count == 0)
        {
            return [];
        }

        if (!set.AllWithin((uint)selected.Count))
        {
            return null;
        }

        var numbers = Enumerable.Range(1, selected.Count).Select(n => (uint)n).ToList();
        return set.Select(numbers);
    }

    private async Task<bool> FetchAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        string syntax = $"{(uid ? "UID " : string.Empty)}FETCH sequence-set (items) [(CHANGEDSINCE modseq [VANISHED])]";
        if (!args.Space() || !args.TryReadSequenceSet(out var set) || !args.Space() || FetchItemParser.Parse(args) is not { } items)
        {
            return BadSyntax(command, syntax);
        }

        ulong? changedSince = null;
        bool vanished = false;
        if (args.Space())
        {
            if (!args.TryRead((byte)'(') || !args.TryReadKeyword("CHANGEDSINCE") || !args.Space() || !args.TryReadNumber64(out ulong since))
            {
                return BadSyntax(command, syntax);
            }

            changedSince = since;
            if (args.Space())
            {
                if (!args.TryReadKeyword("VANISHED") || !uid || !_qresync)
                {
                    return BadSyntax(command, syntax);
                }

                vanished = true;
            }

            if (!args.TryRead((byte)')'))
            {
                return BadSyntax(command, syntax);
            }

            _condStore = true;
        }

        if (!args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        if (items.FirstOrDefault(i => i.Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize && !MessageParts.IsValidSection(i.Section)) is { } invalid)
        {
            return Bad(command.Tag, $"Invalid section [{invalid.Section}]");
        }

        if (uid && !items.Any(i => i.Kind == FetchKind.Uid))
        {
            items.Insert(0, new FetchItem(FetchKind.Uid));
        }

        if (changedSince is not null && !items.Any(i => i.Kind == FetchKind.ModSeq))
        {
            items.Add(new FetchItem(FetchKind.ModSeq));
        }

        var selected = _selected!;
        var indexes = Resolve(set, uid);
        if (indexes is null)
        {
            return Bad(command.Tag, "Invalid message sequence number");
        }

        if (changedSince is { } threshold)
        {
            indexes = [.. indexes.Where(i => selected.Messages[i].ModSeq > threshold)];
            if (vanished)
            {
                var expunged = await _mailboxes.ListExpungedSinceAsync(selected.Id, threshold, Aborted);
                var inSet = expunged.Where(u => set.Contains(u, selected.Count == 0 ? uint.MaxValue : selected.Messages[^1].Uid)).ToList();
                if (inSet.Count > 0)
                {
                    _out.Line($"* VANISHED (EARLIER) {SequenceSet.Format(inSet)}");
                }
            }
        }

        var seenNow = await MarkSeenAsync(selected, indexes, items);
        bool needsSummary = items.Any(i => i.Kind is FetchKind.Envelope or FetchKind.Body or FetchKind.BodyStructure);
        var summaries = needsSummary ? await LoadSummariesAsync(selected, indexes) : null;
        var headers = items.Any(i => i.ReadsContent) && items.Where(i => i.ReadsContent).All(ReadsTopLevelHeaderOnly)
            ? await HeadersAsync(selected, indexes.Where(i => i < selected.Count))
            : null;
        foreach (int index in indexes)
        {
            if (index >= selected.Count)
            {
                continue;
            }

            var message = selected.Messages[index];
            byte[]? content = null;
            if (items.Any(i => i.ReadsContent))
            {
                content = headers?[index] is { } header && EndsLikeStoredHeader(header) ? header : await ReadContentAsync(selected.Id, message.Uid);
                if (content is null)
                {
                    // Expunged by another session since this one last looked: RFC 9051 §7.4.1 leaves it out.
                    continue;
                }
            }

            var problem = await WriteFetchAsync(index, message, items, content, summaries, seenNow.Contains(message.Uid));
            if (problem is not null)
            {
                return No(command, problem);
            }

            if (_out.Unflushed > FlushThreshold)
            {
                await _out.FlushAsync(Aborted);
            }
        }

        await SynchronizeAsync(allowExpunge: uid);
        return Ok(command, $"{(uid ? "UID FETCH" : "FETCH")} completed");
    }

    /// <summary>Whether an item needs no more of the message than its top-level header (what clients fetch to list a mailbox).</summary>
    private static bool ReadsTopLevelHeaderOnly(FetchItem item) =>
        item.Kind == FetchKind.Rfc822Header
        || (item.Kind == FetchKind.Section && Messages.SectionSpec.TryParse(item.Section, out var spec) && spec.Part.Count == 0
            && spec.Text is Messages.SectionText.Header or Messages.SectionText.HeaderFields or Messages.SectionText.HeaderFieldsNot);

    /// <summary>
    /// Whether a header (as the header cache holds it, cut at its first empty line) is what FETCH would cut from
    /// the whole message, which ends the header at the first CRLF CRLF only: true for a header with CRLF line ends.
    /// </summary>
    private static bool EndsLikeStoredHeader(byte[] header) =>
        header.AsSpan().SequenceEqual("\r\n"u8) || (header.AsSpan().EndsWith("\r\n\r\n"u8) && header.AsSpan().IndexOf("\r\n\r\n"u8) == header.Length - 4);

    /// <summary>Sets \Seen on messages whose content a non-PEEK item reads; returns the UIDs that changed.</summary>
    private async Task<HashSet<uint>> MarkSeenAsync(SelectedMailbox selected, List<int> indexes, List<FetchItem> items)
    {
        if (selected.ReadOnly || !items.Any(i => i.SetsSeen))
        {
            return [];
        }

        var unseen = indexes.Select(i => selected.Messages[i]).Where(m => !m.Flags.HasFlag(MessageFlags.Seen)).Select(m => m.Uid).ToList();
        if (unseen.Count == 0)
        {
            return [];
        }

        var result = await _mailboxes.StoreFlagsAsync(selected.Id, unseen, FlagOperation.Add, MessageFlags.Seen, [], null, Aborted);
        ApplyChanges(selected, result.Changed);
        return [.. result.Changed.Select(m => m.Uid)];
    }

    private static void ApplyChanges(SelectedMailbox selected, IReadOnlyList<MessageInfo> changed)
    {
        foreach (var message in changed)
        {
            int index = selected.IndexOf(message.Uid);
            if (index >= 0)
            {
                selected.Replace(index, message);
            }
        }
    }

    private async Task<byte[]?> ReadContentAsync(long mailboxId, uint uid)
    {
        await using var stream = await _mailboxes.OpenMessageAsync(mailboxId, uid, Aborted);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Aborted);
        return copy.ToArray();
    }

    /// <summary>Writes one FETCH response; returns the NO text when an item cannot be answered.</summary>
    private async Task<string?> WriteFetchAsync(int index, MessageInfo message, List<FetchItem> items, byte[]? content, IReadOnlyDictionary<string, MessageSummary>? summaries, bool flagsChanged)
    {
        // Binary items are decoded first: an unknown transfer encoding fails the command before anything is written.
        var decoded = new Dictionary<FetchItem, byte[]>();
        foreach (var item in items.Where(i => i.Kind is FetchKind.Binary or FetchKind.BinarySize))
        {
            var bytes = await MessageParts.DecodeBinaryAsync(content!, item.Section, Aborted);
            if (bytes is null)
            {
                return "[UNKNOWN-CTE] The part has a Content-Transfer-Encoding Carrier cannot decode";
            }

            decoded[item] = bytes;
        }

        _out.Text("* ").Number((ulong)index + 1).Text(" FETCH (");
        bool first = true;
        bool wroteFlags = false;
        foreach (var item in items)
        {
            _out.Text(first ? string.Empty : " ");
            first = false;
            switch (item.Kind)
            {
                case FetchKind.Flags:
                    _out.Text("FLAGS (").Text(SessionFlagText(message)).Text(")");
                    wroteFlags = true;
                    break;
                case FetchKind.Uid:
                    _out.Text("UID ").Number(message.Uid);
                    break;
                case FetchKind.ModSeq:
                    _out.Text("MODSEQ (").Number(message.ModSeq).Text(")");
                    break;
                case FetchKind.InternalDate:
                    _out.Text("INTERNALDATE \"").Text(FormatDateTime(message.InternalDate)).Text("\"");
                    break;
                case FetchKind.Size:
                    _out.Text("RFC822.SIZE ").Number((ulong)message.Size);
                    break;
                case FetchKind.Envelope:
                    _out.Text("ENVELOPE ").Text(summaries![message.BlobId].Envelope);
                    break;
                case FetchKind.Body:
                    _out.Text("BODY ").Text(summaries![message.BlobId].Body);
                    break;
                case FetchKind.BodyStructure:
                    _out.Text("BODYSTRUCTURE ").Text(summaries![message.BlobId].BodyStructure);
                    break;
                case FetchKind.Rfc822:
                    _out.Text("RFC822 ").Literal(content);
                    break;
                case FetchKind.Rfc822Header:
                    _out.Text("RFC822.HEADER ").Literal(await MessageParts.ExtractAsync(content!, "HEADER", Aborted));
                    break;
                case FetchKind.Rfc822Text:
                    _out.Text("RFC822.TEXT ").Literal(await MessageParts.ExtractAsync(content!, "TEXT", Aborted));
                    break;
                case FetchKind.Section:
                    _out.Text(item.ResponseName).Text(" ").Literal(Partial(await MessageParts.ExtractAsync(content!, item.Section, Aborted), item));
                    break;
                case FetchKind.Binary:
                    var part = Partial(decoded[item], item);
                    _out.Text(item.ResponseName).Text(" ");
                    if (part.Contains((byte)0))
                    {
                        _out.Literal8(part);
                    }
                    else
                    {
                        _out.Literal(part);
                    }

                    break;
                case FetchKind.BinarySize:
                    _out.Text(item.ResponseName).Text(" ").Number((ulong)decoded[item].Length);
                    break;
            }
        }

        if (flagsChanged && !wroteFlags)
        {
            // RFC 9051 §6.4.5: when FETCH sets \Seen, the new flags go with the response.
            _out.Text(first ? string.Empty : " ").Text("FLAGS (").Text(SessionFlagText(message)).Text(")");
        }

        _out.Line(")");
        return null;
    }

    private static ReadOnlySpan<byte> Partial(byte[] bytes, FetchItem item)
    {
        if (item.PartialStart is not { } start)
        {
            return bytes;
        }

        if (start >= bytes.Length)
        {
            return [];
        }

        long length = Math.Min(item.PartialLength ?? long.MaxValue, bytes.Length - start);
        return bytes.AsSpan((int)start, (int)length);
    }

    internal static string FormatDateTime(DateTimeOffset value)
    {
        string zone = value.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal);
        return value.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + zone;
    }
}
