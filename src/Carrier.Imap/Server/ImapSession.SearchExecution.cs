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
    /// are answered from the session's message list; header keys from the headers alone, read for the whole
    /// mailbox in one pass; only BODY and TEXT parse whole messages.
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
                await foreach (var start in _mailboxes.ReadMessageStartsAsync(selected.Id, HeaderReadLength, Aborted))
                {
                    int index = selected.IndexOf(start.Uid);
                    if (index < 0 || await HeaderOfAsync(selected, start) is not { } header)
                    {
                        // Not in this session's view (added since it last looked) or expunged meanwhile.
                        continue;
                    }

                    if (Matches(key, selected.Messages[index], index, selected, MessageSearchText.FromHeader(header)))
                    {
                        matches.Add(index);
                    }
                }

                // Both are in UID order already; sorted again so that the result never depends on it.
                matches.Sort();
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
