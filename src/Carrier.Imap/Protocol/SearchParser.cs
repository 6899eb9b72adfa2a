namespace Carrier.Imap.Protocol;

/// <summary>
/// The SEARCH key grammar (RFC 9051 §6.4.4 and RFC 3501's NEW/OLD/RECENT), with nesting (parentheses, NOT, OR)
/// bounded by a depth limit and the number of keys bounded too, so hostile input cannot exhaust the stack.
/// </summary>
public sealed class SearchParser
{
    private const int MaxKeys = 1000;

    private readonly ImapReader _reader;
    private readonly int _maxDepth;
    private int _keys;

    public SearchParser(ImapReader reader, int maxDepth)
    {
        _reader = reader;
        _maxDepth = maxDepth;
    }

    /// <summary>Why parsing failed, for the BAD reply.</summary>
    public string Error { get; private set; } = "Invalid search criteria";

    /// <summary>Parses space-separated keys up to the end of the command (they are ANDed).</summary>
    public SearchKey? ParseAll()
    {
        var keys = new List<SearchKey>();
        do
        {
            var key = ParseKey(0);
            if (key is null)
            {
                return null;
            }

            keys.Add(key);
        }
        while (_reader.Space());

        if (!_reader.AtEnd)
        {
            return null;
        }

        return keys.Count == 1 ? keys[0] : new AndKey(keys);
    }

    private SearchKey? ParseKey(int depth)
    {
        if (depth > _maxDepth)
        {
            Error = $"Search criteria nested deeper than {_maxDepth} levels";
            return null;
        }

        if (++_keys > MaxKeys)
        {
            Error = $"More than {MaxKeys} search keys";
            return null;
        }

        if (_reader.TryRead((byte)'('))
        {
            var keys = new List<SearchKey>();
            do
            {
                var inner = ParseKey(depth + 1);
                if (inner is null)
                {
                    return null;
                }

                keys.Add(inner);
            }
            while (_reader.Space());

            return _reader.TryRead((byte)')') ? (keys.Count == 1 ? keys[0] : new AndKey(keys)) : null;
        }

        if (_reader.Peek is >= '0' and <= '9' or '*' or '$')
        {
            return _reader.TryReadSequenceSet(out var set) ? new SequenceKey(set, Uid: false) : Invalid("Invalid sequence set");
        }

        if (!_reader.TryReadAtom(out string word))
        {
            return null;
        }

        switch (word.ToUpperInvariant())
        {
            case "ALL":
                return new AllKey();
            case "ANSWERED":
                return new FlagKey("\\Answered", true);
            case "DELETED":
                return new FlagKey("\\Deleted", true);
            case "DRAFT":
                return new FlagKey("\\Draft", true);
            case "FLAGGED":
                return new FlagKey("\\Flagged", true);
            case "SEEN":
                return new FlagKey("\\Seen", true);
            case "UNANSWERED":
                return new FlagKey("\\Answered", false);
            case "UNDELETED":
                return new FlagKey("\\Deleted", false);
            case "UNDRAFT":
                return new FlagKey("\\Draft", false);
            case "UNFLAGGED":
                return new FlagKey("\\Flagged", false);
            case "UNSEEN":
                return new FlagKey("\\Seen", false);
            case "RECENT":
                return new RecentKey(true);
            case "NEW":
                // RFC 3501 §6.4.4: NEW is (RECENT UNSEEN).
                return new AndKey([new RecentKey(true), new FlagKey("\\Seen", false)]);
            case "OLD":
                return new RecentKey(false);
            case "KEYWORD":
            case "UNKEYWORD":
                return _reader.Space() && _reader.TryReadAtom(out string keyword) ? new KeywordKey(keyword, word.Equals("KEYWORD", StringComparison.OrdinalIgnoreCase)) : null;
            case "BEFORE":
                return Date(false, DateComparison.Before);
            case "ON":
                return Date(false, DateComparison.On);
            case "SINCE":
                return Date(false, DateComparison.Since);
            case "SENTBEFORE":
                return Date(true, DateComparison.Before);
            case "SENTON":
                return Date(true, DateComparison.On);
            case "SENTSINCE":
                return Date(true, DateComparison.Since);
            case "LARGER":
            case "SMALLER":
                return _reader.Space() && _reader.TryReadNumber64(out ulong size) && size <= long.MaxValue ? new SizeKey(word.Equals("LARGER", StringComparison.OrdinalIgnoreCase), (long)size) : null;
            case "FROM":
            case "TO":
            case "CC":
            case "BCC":
            case "SUBJECT":
                return _reader.Space() && _reader.TryReadAString(out string value) ? new HeaderKey(Capitalize(word), value) : null;
            case "HEADER":
                return _reader.Space() && _reader.TryReadAString(out string field) && _reader.Space() && _reader.TryReadAString(out string text) ? new HeaderKey(field, text) : null;
            case "BODY":
                return _reader.Space() && _reader.TryReadAString(out string body) ? new ContentKey(false, body) : null;
            case "TEXT":
                return _reader.Space() && _reader.TryReadAString(out string all) ? new ContentKey(true, all) : null;
            case "UID":
                return _reader.Space() && _reader.TryReadSequenceSet(out var uids) ? new SequenceKey(uids, Uid: true) : Invalid("Invalid UID set");
            case "NOT":
                return _reader.Space() && ParseKey(depth + 1) is { } negated ? new NotKey(negated) : null;
            case "OR":
                return _reader.Space() && ParseKey(depth + 1) is { } left && _reader.Space() && ParseKey(depth + 1) is { } right ? new OrKey(left, right) : null;
            case "MODSEQ":
                return ModSeq();
            default:
                Error = $"Unknown search key {word}";
                return null;
        }
    }

    private SearchKey? Date(bool sent, DateComparison comparison) =>
        _reader.Space() && _reader.TryReadDate(out var date) ? new DateKey(sent, comparison, date) : Invalid("Invalid date: write d-Mon-yyyy");

    // RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer; the entry part applies to flags
    // Carrier does not keep per-flag, so it is read and ignored.
    private ModSeqKey? ModSeq()
    {
        if (!_reader.Space())
        {
            return null;
        }

        if (_reader.Peek == '"')
        {
            if (!_reader.TryReadString(out _) || !_reader.Space() || !_reader.TryReadAtom(out _) || !_reader.Space())
            {
                return null;
            }
        }

        return _reader.TryReadNumber64(out ulong modseq) ? new ModSeqKey(modseq) : null;
    }

    private SearchKey? Invalid(string error)
    {
        Error = error;
        return null;
    }

    private static string Capitalize(string word) => word.ToUpperInvariant() switch
    {
        "FROM" => "From",
        "TO" => "To",
        "CC" => "Cc",
        "BCC" => "Bcc",
        _ => "Subject",
    };
}
