using Carrier.Imap.Protocol;

namespace Carrier.Imap.Server;

/// <summary>
/// SEARCHRES (RFC 5182): SEARCH RETURN (SAVE) keeps its result, and "$" in a sequence set names those messages in
/// FETCH, STORE, COPY, MOVE, SEARCH, UID EXPUNGE and their UID forms.
/// </summary>
public sealed partial class ImapSession
{
    /// <summary>
    /// The saved result as UIDs, so that expunges do not shift it (RFC 5182 §2.1); empty until a SEARCH saves one
    /// and again after each SELECT, EXAMINE, CLOSE and UNSELECT.
    /// </summary>
    private List<uint> _searchResult = [];

    private static bool IsKnownCharset(string charset) =>
        charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Keeps what the SEARCH found: with MIN or MAX (or both) and neither ALL nor COUNT, only those messages
    /// (RFC 5182 §2.1); otherwise every match.
    /// </summary>
    private void SaveSearchResult(SelectedMailbox selected, List<int> matches, HashSet<string> returns)
    {
        var uids = matches.Select(i => selected.Messages[i].Uid).ToList();
        bool onlyEnds = (returns.Contains("MIN") || returns.Contains("MAX")) && !returns.Contains("ALL") && !returns.Contains("COUNT");
        if (onlyEnds && uids.Count > 0)
        {
            var ends = new List<uint>();
            if (returns.Contains("MIN"))
            {
                ends.Add(uids[0]);
            }

            if (returns.Contains("MAX"))
            {
                ends.Add(uids[^1]);
            }

            uids = [.. ends.Distinct()];
        }

        _searchResult = uids;
    }

    /// <summary>The indexes of the saved messages still in the mailbox, in mailbox order.</summary>
    private List<int> SearchResultIndexes()
    {
        var selected = _selected!;
        var indexes = new List<int>(_searchResult.Count);
        foreach (uint uid in _searchResult)
        {
            int index = selected.IndexOf(uid);
            if (index >= 0)
            {
                indexes.Add(index);
            }
        }

        indexes.Sort();
        return indexes;
    }

    /// <summary>Replaces "$" in search criteria by the saved UIDs, so the criteria can be evaluated like any other.</summary>
    private SearchKey ResolveSearchResult(SearchKey key) => key switch
    {
        SequenceKey { Set.IsSearchResult: true } => new SequenceKey(SequenceSet.FromNumbers(_searchResult), Uid: true),
        NotKey not => new NotKey(ResolveSearchResult(not.Inner)),
        OrKey or => new OrKey(ResolveSearchResult(or.Left), ResolveSearchResult(or.Right)),
        AndKey and => new AndKey([.. and.Keys.Select(ResolveSearchResult)]),
        _ => key,
    };
}
