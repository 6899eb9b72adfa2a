using System.Globalization;

namespace Carrier.Imap.Protocol;

/// <summary>What a FETCH attribute asks for (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ).</summary>
public enum FetchKind
{
    Flags,
    InternalDate,
    Size,
    Uid,
    ModSeq,
    Envelope,
    Body,
    BodyStructure,
    Section,
    Binary,
    BinarySize,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
}

/// <summary>One FETCH attribute; <see cref="Section"/> is the text between the brackets, as the client wrote it.</summary>
public sealed record FetchItem(FetchKind Kind, string Section = "", bool Peek = false, long? PartialStart = null, long? PartialLength = null)
{
    /// <summary>Whether answering it reads the message content (and, without PEEK, sets \Seen).</summary>
    public bool ReadsContent => Kind is FetchKind.Section or FetchKind.Binary or FetchKind.BinarySize or FetchKind.Rfc822 or FetchKind.Rfc822Header or FetchKind.Rfc822Text;

    /// <summary>Whether it sets \Seen (RFC 9051 §6.4.5: BODY[...] and BINARY[...] without .PEEK, RFC822, RFC822.TEXT).</summary>
    public bool SetsSeen => !Peek && Kind is FetchKind.Section or FetchKind.Binary or FetchKind.Rfc822 or FetchKind.Rfc822Text;

    /// <summary>How the response names the item: the section, and the start of a partial fetch (RFC 9051 §7.5.2).</summary>
    public string ResponseName => Kind switch
    {
        FetchKind.Section => $"BODY[{Section}]{Origin}",
        FetchKind.Binary => $"BINARY[{Section}]{Origin}",
        FetchKind.BinarySize => $"BINARY.SIZE[{Section}]",
        _ => Kind.ToString(),
    };

    private string Origin => PartialStart is { } start ? "<" + start.ToString(CultureInfo.InvariantCulture) + ">" : string.Empty;
}

/// <summary>Parses the attribute list of FETCH: a macro (ALL, FAST, FULL), one attribute, or a parenthesised list.</summary>
public static class FetchItemParser
{
    private const int MaxItems = 64;

    public static List<FetchItem>? Parse(ImapReader reader)
    {
        var items = new List<FetchItem>();
        if (reader.TryRead((byte)'('))
        {
            do
            {
                if (items.Count >= MaxItems || !TryParseItem(reader, items, allowMacro: false))
                {
                    return null;
                }
            }
            while (reader.Space());

            return reader.TryRead((byte)')') ? items : null;
        }

        return TryParseItem(reader, items, allowMacro: true) ? items : null;
    }

    private static bool TryParseItem(ImapReader reader, List<FetchItem> items, bool allowMacro)
    {
        if (!reader.TryReadWord(out string word))
        {
            return false;
        }

        string upper = word.ToUpperInvariant();
        switch (upper)
        {
            case "ALL" when allowMacro:
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope)]);
                return true;
            case "FAST" when allowMacro:
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size)]);
                return true;
            case "FULL" when allowMacro:
                items.AddRange([new(FetchKind.Flags), new(FetchKind.InternalDate), new(FetchKind.Size), new(FetchKind.Envelope), new(FetchKind.Body)]);
                return true;
            case "FLAGS":
                items.Add(new(FetchKind.Flags));
                return true;
            case "INTERNALDATE":
                items.Add(new(FetchKind.InternalDate));
                return true;
            case "RFC822.SIZE":
                items.Add(new(FetchKind.Size));
                return true;
            case "UID":
                items.Add(new(FetchKind.Uid));
                return true;
            case "MODSEQ":
                items.Add(new(FetchKind.ModSeq));
                return true;
            case "ENVELOPE":
                items.Add(new(FetchKind.Envelope));
                return true;
            case "BODY":
                items.Add(new(FetchKind.Body));
                return true;
            case "BODYSTRUCTURE":
                items.Add(new(FetchKind.BodyStructure));
                return true;
            case "RFC822":
                items.Add(new(FetchKind.Rfc822));
                return true;
            case "RFC822.HEADER":
                items.Add(new(FetchKind.Rfc822Header, Peek: true));
                return true;
            case "RFC822.TEXT":
                items.Add(new(FetchKind.Rfc822Text));
                return true;
        }

        int open = word.IndexOf('[', StringComparison.Ordinal);
        int close = word.LastIndexOf(']');
        if (open < 0 || close < open)
        {
            return false;
        }

        string name = upper[..open];
        string section = word[(open + 1)..close];
        string rest = word[(close + 1)..];
        long? start = null;
        long? length = null;
        if (rest.Length > 0)
        {
            // partial = "<" number "." nz-number ">"
            int dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (rest[0] != '<' || rest[^1] != '>' || dot < 0
                || !uint.TryParse(rest[1..dot], NumberStyles.None, CultureInfo.InvariantCulture, out uint from)
                || !uint.TryParse(rest[(dot + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out uint count) || count == 0)
            {
                return false;
            }

            start = from;
            length = count;
        }

        var kind = name switch
        {
            "BODY" or "BODY.PEEK" => FetchKind.Section,
            "BINARY" or "BINARY.PEEK" => FetchKind.Binary,
            "BINARY.SIZE" when start is null => FetchKind.BinarySize,
            _ => (FetchKind?)null,
        };
        if (kind is null)
        {
            return false;
        }

        items.Add(new FetchItem(kind.Value, section, name.EndsWith(".PEEK", StringComparison.Ordinal) || kind == FetchKind.BinarySize, start, length));
        return true;
    }
}
