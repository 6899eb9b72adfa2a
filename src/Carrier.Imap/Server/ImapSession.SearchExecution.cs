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
    /// pass from the store, over the UID range of the missing ones.
    /// </summary>
    private async Task<byte[]?[]> HeadersAsync(SelectedMailbox selected, IEnumerable<int> indexes)
    {
        var headers = new byte[]?[selected.Count];
        var missing = new HashSet<uint>();
        foreach (int index in indexes)
        {
            uint uid = selected.Messages[index].Uid;
            if (_headers.TryGet(selected.Id, selected.UidValidity, uid, out var header))
            {
                headers[index] = header;
            }
            else
            {
                missing.Add(uid);
            }
        }

        if (missing.Count == 0)
        {
            return headers;
        }

        await foreach (var start in _mailboxes.ReadMessageStartsAsync(selected.Id, missing.Min(), missing.Max(), HeaderReadLength, Aborted))
        {
            int index = selected.IndexOf(start.Uid);
            if (index < 0 || !missing.Contains(start.Uid) || await HeaderOfAsync(selected, start) is not { } header)
            {
                // Not asked for, not in this session's view (added since it last looked), or expunged meanwhile.
                continue;
            }

            headers[index] = header.ToArray();
            _headers.Add(selected.Id, selected.UidValidity, start.Uid, headers[index]!);
        }

        return headers;
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
        _ => key.NeedsContent ? SearchInput.Content : SearchInput.Metadata,
    };
}
