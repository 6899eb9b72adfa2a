using System.Text;
using Carrier.Imap.Messages;
using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private async Task<bool> SearchAsync(CommandContext command, bool uid)
    {
        var args = command.Args;
        if (!args.Space())
        {
            return BadSyntax(command, "SEARCH [RETURN (options)] [CHARSET name] criteria");
        }

        // RFC 4731 / RFC 9051 §6.4.4: RETURN (MIN MAX ALL COUNT SAVE); an empty list means ALL.
        HashSet<string>? returns = null;
        if (args.TryReadKeyword("RETURN"))
        {
            returns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            if (!args.Space() || !TryReadOptionList(args, returns) || !args.Space() || returns.Any(r => r.ToUpperInvariant() is not ("MIN" or "MAX" or "ALL" or "COUNT" or "SAVE")))
            {
                return BadSyntax(command, "SEARCH RETURN (MIN MAX ALL COUNT SAVE) criteria");
            }

            if (returns.Count == 0)
            {
                returns.Add("ALL");
            }
        }

        if (args.TryReadKeyword("CHARSET"))
        {
            if (!args.Space() || !args.TryReadAString(out string charset) || !args.Space())
            {
                return BadSyntax(command, "SEARCH CHARSET name criteria");
            }

            if (!IsKnownCharset(charset))
            {
                if (returns?.Contains("SAVE") == true)
                {
                    // RFC 5182 §2.1: a SEARCH that saves and fails with NO leaves "$" empty.
                    _searchResult = [];
                }

                return No(command, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            }
        }

        var parser = new SearchParser(args, _options.MaxNestingDepth);
        var key = parser.ParseAll();
        if (key is null)
        {
            return Bad(command.Tag, parser.Error);
        }

        var selected = _selected!;
        var matches = await FindMatchesAsync(ResolveSearchResult(key), selected);
        if (returns?.Contains("SAVE") == true)
        {
            SaveSearchResult(selected, matches, returns);
        }

        bool usesModSeq = UsesModSeq(key);
        ulong highestMatched = matches.Count == 0 ? 0 : matches.Max(i => selected.Messages[i].ModSeq);
        var numbers = matches.Select(i => uid ? selected.Messages[i].Uid : (uint)i + 1).ToList();
        // RFC 5182 §2.1: SAVE alone asks for no ESEARCH response.
        bool answer = returns is not { Count: 1 } || !returns.Contains("SAVE");
        if (answer && returns is null && !_rev2)
        {
            var line = new StringBuilder("* SEARCH");
            foreach (uint number in numbers)
            {
                line.Append(' ').Append(number);
            }

            if (usesModSeq && numbers.Count > 0)
            {
                line.Append(" (MODSEQ ").Append(highestMatched).Append(')');
            }

            _out.Line(line.ToString());
        }
        else if (answer)
        {
            returns ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ALL" };
            var response = new StringBuilder("* ESEARCH (TAG ");
            response.Append('"').Append(command.Tag.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\")");
            if (uid)
            {
                response.Append(" UID");
            }

            if (numbers.Count > 0 && returns.Contains("MIN"))
            {
                response.Append(" MIN ").Append(numbers.Min());
            }

            if (numbers.Count > 0 && returns.Contains("MAX"))
            {
                response.Append(" MAX ").Append(numbers.Max());
            }

            if (numbers.Count > 0 && returns.Contains("ALL"))
            {
                response.Append(" ALL ").Append(SequenceSet.Format(numbers));
            }

            if (returns.Contains("COUNT"))
            {
                response.Append(" COUNT ").Append(numbers.Count);
            }

            if (usesModSeq && numbers.Count > 0)
            {
                response.Append(" MODSEQ ").Append(highestMatched);
            }

            _out.Line(response.ToString());
        }

        await SynchronizeAsync(allowExpunge: uid);
        return Ok(command, $"{(uid ? "UID SEARCH" : "SEARCH")} completed");
    }

    private static bool UsesModSeq(SearchKey key) => key switch
    {
        ModSeqKey => true,
        NotKey not => UsesModSeq(not.Inner),
        OrKey or => UsesModSeq(or.Left) || UsesModSeq(or.Right),
        AndKey and => and.Keys.Any(UsesModSeq),
        _ => false,
    };

    private static bool Matches(SearchKey key, MessageInfo message, int index, SelectedMailbox selected, MessageSearchText? text) => key switch
    {
        AllKey => true,
        RecentKey recent => selected.IsRecent(message.Uid) == recent.Set,
        FlagKey flag => message.Flags.HasFlag(SystemFlag(flag.Flag)!.Value) == flag.Set,
        KeywordKey keyword => message.Keywords.Contains(keyword.Keyword, StringComparer.OrdinalIgnoreCase) == keyword.Set,
        SizeKey size => size.Larger ? message.Size > size.Size : message.Size < size.Size,
        SequenceKey { Uid: true } uids => uids.Set.Contains(message.Uid, selected.Messages[^1].Uid),
        SequenceKey numbers => numbers.Set.Contains((uint)index + 1, (uint)selected.Count),
        ModSeqKey modseq => message.ModSeq >= modseq.ModSeq,
        DateKey { Sent: false } date => CompareDate(DateOnly.FromDateTime(message.InternalDate.DateTime), date),
        DateKey date => text!.SentDate is { } sent && CompareDate(DateOnly.FromDateTime(sent.DateTime), date),
        HeaderKey header => text!.HeaderContains(header.Field, header.Value),
        ContentKey { IncludeHeader: true } content => text!.TextContains(content.Value),
        ContentKey content => text!.BodyContains(content.Value),
        NotKey not => !Matches(not.Inner, message, index, selected, text),
        OrKey or => Matches(or.Left, message, index, selected, text) || Matches(or.Right, message, index, selected, text),
        AndKey and => and.Keys.All(k => Matches(k, message, index, selected, text)),
        _ => false,
    };

    private static bool CompareDate(DateOnly value, DateKey key) => key.Comparison switch
    {
        DateComparison.Before => value < key.Date,
        DateComparison.On => value == key.Date,
        _ => value >= key.Date,
    };
}
