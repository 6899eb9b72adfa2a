using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Carrier.Imap.Messages;

/// <summary>What a section specifier names after its part number (RFC 9051 §6.4.5).</summary>
public enum SectionText
{
    /// <summary>No text part: the whole message, or the whole body of the numbered part.</summary>
    Full,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>
/// A parsed section specifier, the text between the brackets of BODY[...] or BINARY[...]: a part number
/// such as 1.2 and what of it is wanted.
/// </summary>
public sealed record SectionSpec(IReadOnlyList<int> Part, SectionText Text, IReadOnlyList<string> Fields)
{
    /// <summary>Deeper part numbers than this are refused; no real message nests anywhere near it.</summary>
    public const int MaxDepth = 64;

    public const int MaxFields = 256;

    public static SectionSpec Whole { get; } = new([], SectionText.Full, []);

    /// <summary>Parses a section specifier; false when it does not follow the grammar.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SectionSpec? spec)
    {
        spec = null;
        var part = new List<int>();
        int position = 0;
        while (position < text.Length && char.IsAsciiDigit(text[position]))
        {
            int start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (text[start] == '0' || !int.TryParse(text.AsSpan(start, position - start), out int number) || part.Count == MaxDepth)
            {
                return false;
            }

            part.Add(number);
            if (position == text.Length)
            {
                spec = new SectionSpec(part, SectionText.Full, []);
                return true;
            }

            if (text[position] != '.')
            {
                return false;
            }

            position++;
        }

        string rest = text[position..];
        if (rest.Length == 0)
        {
            if (part.Count > 0)
            {
                return false; // a part number followed by a lone dot
            }

            spec = Whole;
            return true;
        }

        if (rest.Equals("HEADER", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SectionSpec(part, SectionText.Header, []);
        }
        else if (rest.Equals("TEXT", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SectionSpec(part, SectionText.Text, []);
        }
        else if (rest.Equals("MIME", StringComparison.OrdinalIgnoreCase))
        {
            spec = part.Count > 0 ? new SectionSpec(part, SectionText.Mime, []) : null;
        }
        else if (StartsWithWord(rest, "HEADER.FIELDS.NOT", out string list) && TryParseFields(list, out var excluded))
        {
            spec = new SectionSpec(part, SectionText.HeaderFieldsNot, excluded);
        }
        else if (StartsWithWord(rest, "HEADER.FIELDS", out list) && TryParseFields(list, out var included))
        {
            spec = new SectionSpec(part, SectionText.HeaderFields, included);
        }

        return spec is not null;
    }

    /// <summary>The specifier as the server echoes it in a FETCH response.</summary>
    public override string ToString()
    {
        var output = new StringBuilder();
        output.AppendJoin('.', Part);
        string? text = Text switch
        {
            SectionText.Header => "HEADER",
            SectionText.HeaderFields => "HEADER.FIELDS",
            SectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
            SectionText.Text => "TEXT",
            SectionText.Mime => "MIME",
            _ => null,
        };
        if (text is not null)
        {
            output.Append(Part.Count > 0 ? "." : string.Empty).Append(text);
        }

        if (Text is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
        {
            output.Append(" (");
            for (int i = 0; i < Fields.Count; i++)
            {
                if (i > 0)
                {
                    output.Append(' ');
                }

                if (Fields[i].All(IsAtomChar))
                {
                    output.Append(Fields[i]);
                }
                else
                {
                    ImapWireText.AppendString(output, Fields[i]);
                }
            }

            output.Append(')');
        }

        return output.ToString();
    }

    private static bool StartsWithWord(string text, string word, out string rest)
    {
        rest = string.Empty;
        if (text.Length <= word.Length + 1 || !text.StartsWith(word, StringComparison.OrdinalIgnoreCase) || text[word.Length] != ' ')
        {
            return false;
        }

        rest = text[(word.Length + 1)..];
        return true;
    }

    /// <summary>A parenthesised list of header field names, each an atom or a quoted string.</summary>
    private static bool TryParseFields(string list, out List<string> fields)
    {
        fields = [];
        if (list.Length < 3 || list[0] != '(' || list[^1] != ')')
        {
            return false;
        }

        int position = 1;
        int end = list.Length - 1;
        while (position < end)
        {
            if (fields.Count > 0)
            {
                if (list[position] != ' ')
                {
                    return false;
                }

                position++;
            }

            var name = new StringBuilder();
            if (position < end && list[position] == '"')
            {
                position++;
                while (position < end && list[position] != '"')
                {
                    if (list[position] == '\\' && position + 1 < end)
                    {
                        position++;
                    }

                    name.Append(list[position++]);
                }

                if (position >= end)
                {
                    return false;
                }

                position++;
            }
            else
            {
                while (position < end && list[position] != ' ')
                {
                    name.Append(list[position++]);
                }
            }

            if (name.Length == 0 || !name.ToString().All(IsFieldNameChar) || fields.Count == MaxFields)
            {
                return false;
            }

            fields.Add(name.ToString());
        }

        return fields.Count > 0;
    }

    /// <summary>RFC 5322 ftext: printable ASCII except the colon.</summary>
    private static bool IsFieldNameChar(char c) => c is > ' ' and <= '~' and not ':';

    private static bool IsAtomChar(char c) => IsFieldNameChar(c) && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']');
}
