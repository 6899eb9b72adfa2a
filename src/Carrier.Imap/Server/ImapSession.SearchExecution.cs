using Carrier.Imap.Messages;
using Carrier.Imap.Protocol;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    // Enough for the header of nearly every message; a longer header is read with the whole message.
    private const int HeaderReadLength = 16 * 1024;

    /// <summary>What a search has to read to decide: the session's message list, the headers, or whole messages.</summary>
    private enum SearchInput
    {
        Metadata,
        Header,
        Content,
    }

    /// <summary>
    /// The 0-based indexes of the selected messages that match, in order. Flag, UID, size, date and MODSEQ keys
    /// are answered from the session's message list; header keys from the headers alone (<see cref="MessageHeaderCache"/>,
    /// else read for the whole mailbox in one pass); only BODY and TEXT parse whole messages.
    /// </summary>
    private async Task<List<int>> FindMatchesAsync(SearchKey key, SelectedMailbox selected)
    {
        var matches = new List<int>();
        switch (InputOf(key))
        {
            case SearchInput.Metadata:
                for (int index = 0; index < selected.Count; index++)
                {
                    if (Matches(key, selected.Messages[index], index, selected, null))
                    {
                        matches.Add(index);
                    }
                }

                break;
            case SearchInput.Header:
                var headers = await HeadersAsync(selected, Enumerable.Range(0, selected.Count));
                for (int index = 0; index < selected.Count; index++)
                {
                    // A message without a header here was expunged meanwhile.
                    if (headers[index] is { } header && Matches(key, selected.Messages[index], index, selected, MessageSearchText.FromHeader(header)))
                    {
                        matches.Add(index);
                    }
                }

                break;
            default:
                for (int index = 0; index < selected.Count; index++)
                {
                    var message = selected.Messages[index];
                    var content = await ReadContentAsync(selected.Id, message.Uid);
                    if (content is not null && Matches(key, message, index, selected, await MessageParts.LoadSearchTextAsync(content, Aborted)))
                    {
                        matches.Add(index);
                    }
                }

                break;
        }

        return matches;
    }

    /// <summary>
    /// The top-level headers of the given messages of the session's view, by index (null where a message was
    /// expunged meanwhile, and for indexes not asked for): from the shared cache, and those it lacks read in one
    /// pass per run of neighbouring missing ones.
    /// </summary>
    private async Task<byte[]?[]> HeadersAsync(SelectedMailbox selected, IEnumerable<int> indexes)
    {
        var headers = new byte[]?[selected.Count];
        var missing = new SortedSet<int>();
        foreach (int index in indexes)
        {
            if (_headers.TryGet(selected.Id, selected.UidValidity, selected.Messages[index].Uid, out var header))
            {
                headers[index] = header;
            }
            else
            {
                missing.Add(index);
            }
        }

        // One read per run of neighbouring messages: a sparse set must not read every message between its ends.
        var wanted = missing.Select(index => selected.Messages[index].Uid).ToHashSet();
        foreach (var (first, last) in Runs(missing))
        {
            await foreach (var start in _mailboxes.ReadMessageStartsAsync(selected.Id, selected.Messages[first].Uid, selected.Messages[last].Uid, HeaderReadLength, Aborted))
            {
                int index = selected.IndexOf(start.Uid);
                if (index < 0 || !wanted.Contains(start.Uid) || await HeaderOfAsync(selected, start) is not { } header)
                {
                    // Not in this session's view (added since it last looked), or expunged meanwhile.
                    continue;
                }

                headers[index] = header.ToArray();
                _headers.Add(selected.Id, selected.UidValidity, start.Uid, headers[index]!);
            }
        }

        return headers;
    }

    /// <summary>Consecutive indexes as (first, last) pairs.</summary>
    private static IEnumerable<(int First, int Last)> Runs(SortedSet<int> indexes)
    {
        int first = -1;
        int last = -1;
        foreach (int index in indexes)
        {
            if (first >= 0 && index != last + 1)
            {
                yield return (first, last);
                first = -1;
            }

            if (first < 0)
            {
                first = index;
            }

            last = index;
        }

        if (first >= 0)
        {
            yield return (first, last);
        }
    }

    /// <summary>The top-level header of a message from the start of its content, reading the whole message when the header is longer.</summary>
    private async Task<ReadOnlyMemory<byte>?> HeaderOfAsync(SelectedMailbox selected, Store.Mailboxes.MessageStart start)
    {
        int length = HeaderBlock.LengthOf(start.Octets.Span, out bool complete);
        if (complete || start.Octets.Length < HeaderReadLength)
        {
            return start.Octets[..length];
        }

        var content = await ReadContentAsync(selected.Id, start.Uid);
        if (content is null)
        {
            return null;
        }

        return content.AsMemory(0, HeaderBlock.LengthOf(content, out _));
    }

    private static SearchInput InputOf(SearchKey key) => key switch
    {
        ContentKey => SearchInput.Content,
        HeaderKey or DateKey { Sent: true } => SearchInput.Header,
        NotKey not => InputOf(not.Inner),
        OrKey or => (SearchInput)Math.Max((int)InputOf(or.Left), (int)InputOf(or.Right)),
        AndKey and => and.Keys.Select(InputOf).DefaultIfEmpty(SearchInput.Metadata).Max(),
        _ => SearchInput.Metadata,
    };
}
