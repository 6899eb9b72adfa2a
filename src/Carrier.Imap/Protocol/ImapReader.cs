using System.Globalization;
using System.Text;

namespace Carrier.Imap.Protocol;

/// <summary>
/// Reads the arguments of one assembled command (see <see cref="CommandFramer"/>). Every method either
/// consumes a well-formed item and returns true, or leaves the position unchanged and returns false; the
/// handler then answers BAD. Nothing here throws for any input.
/// </summary>
public sealed class ImapReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private int _position;

    public ImapReader(byte[] data)
    {
        _data = data;
    }

    public bool AtEnd => _position >= _data.Length;

    /// <summary>The next octet, or -1 at the end.</summary>
    public int Peek => _position < _data.Length ? _data[_position] : -1;

    public int Position => _position;

    public bool TryRead(byte expected)
    {
        if (Peek != expected)
        {
            return false;
        }

        _position++;
        return true;
    }

    public bool Space() => TryRead((byte)' ');

    /// <summary>A command tag: 1*(ASTRING-CHAR except "+").</summary>
    public bool TryReadTag(out string tag)
    {
        int start = _position;
        while (_position < _data.Length && ImapSyntax.IsAStringChar(_data[_position]) && _data[_position] != (byte)'+')
        {
            _position++;
        }

        tag = Encoding.ASCII.GetString(_data, start, _position - start);
        return _position > start;
    }

    public bool TryReadAtom(out string atom)
    {
        int start = _position;
        while (_position < _data.Length && ImapSyntax.IsAtomChar(_data[_position]))
        {
            _position++;
        }

        atom = Encoding.ASCII.GetString(_data, start, _position - start);
        return _position > start;
    }

    /// <summary>A run of characters up to a space, "(" or ")" — for items such as FETCH attributes that carry brackets.</summary>
    public bool TryReadWord(out string word)
    {
        int start = _position;
        int depth = 0;
        while (_position < _data.Length)
        {
            byte b = _data[_position];
            if (b == (byte)'[')
            {
                depth++;
            }
            else if (b == (byte)']')
            {
                depth--;
            }
            else if (depth <= 0 && (b == (byte)' ' || b == (byte)'(' || b == (byte)')'))
            {
                break;
            }
            else if (b < 0x20 || b >= 0x7F || depth > 1)
            {
                break;
            }

            _position++;
        }

        word = Encoding.ASCII.GetString(_data, start, _position - start);
        return _position > start && depth == 0;
    }

    /// <summary>astring = 1*ASTRING-CHAR / string, decoded as UTF-8.</summary>
    public bool TryReadAString(out string value)
    {
        if (Peek is '"' or '{' or '~')
        {
            return TryReadString(out value);
        }

        int start = _position;
        while (_position < _data.Length && ImapSyntax.IsAStringChar(_data[_position]))
        {
            _position++;
        }

        value = Encoding.ASCII.GetString(_data, start, _position - start);
        return _position > start;
    }

    /// <summary>A LIST pattern: list-mailbox = 1*list-char / string.</summary>
    public bool TryReadListMailbox(out string value)
    {
        if (Peek is '"' or '{')
        {
            return TryReadString(out value);
        }

        int start = _position;
        while (_position < _data.Length && (ImapSyntax.IsListChar(_data[_position]) || _data[_position] >= 0x80))
        {
            _position++;
        }

        return TryDecode(start, _position - start, out value) && _position > start || Restore(start, out value);
    }

    /// <summary>string = quoted / literal, decoded as UTF-8.</summary>
    public bool TryReadString(out string value)
    {
        int start = _position;
        if (TryReadStringBytes(out var bytes) && TryDecode(bytes, out value))
        {
            return true;
        }

        return Restore(start, out value);
    }

    /// <summary>nstring = string / NIL.</summary>
    public bool TryReadNString(out string? value)
    {
        if (TryReadKeyword("NIL"))
        {
            value = null;
            return true;
        }

        bool ok = TryReadString(out string text);
        value = text;
        return ok;
    }

    /// <summary>The octets of a quoted string or a literal (<c>{n}</c>, <c>{n+}</c>, or <c>~{n}</c> when <paramref name="allowBinary"/>).</summary>
    public bool TryReadStringBytes(out ReadOnlyMemory<byte> bytes, bool allowBinary = false)
    {
        int start = _position;
        bytes = default;
        if (Peek == '"')
        {
            _position++;
            var unescaped = new List<byte>();
            while (_position < _data.Length)
            {
                byte b = _data[_position++];
                if (b == (byte)'"')
                {
                    bytes = unescaped.ToArray();
                    return true;
                }

                if (b == (byte)'\\')
                {
                    if (_position >= _data.Length || _data[_position] is not ((byte)'"' or (byte)'\\'))
                    {
                        break;
                    }

                    b = _data[_position++];
                }
                else if (b is (byte)'\r' or (byte)'\n' or 0)
                {
                    break;
                }

                unescaped.Add(b);
            }

            _position = start;
            return false;
        }

        bool binary = false;
        if (Peek == '~')
        {
            binary = true;
            _position++;
        }

        if (!TryRead((byte)'{') || !TryReadNumber(out uint length))
        {
            _position = start;
            return false;
        }

        TryRead((byte)'+');
        if (!TryRead((byte)'}') || !TryRead((byte)'\r') || !TryRead((byte)'\n') || _data.Length - _position < length || (binary && !allowBinary))
        {
            _position = start;
            return false;
        }

        var literal = _data.AsMemory(_position, (int)length);
        if (!binary && literal.Span.Contains((byte)0))
        {
            // RFC 9051 §4.3: a literal (not a literal8) never contains NUL.
            _position = start;
            return false;
        }

        bytes = literal;
        _position += (int)length;
        return true;
    }

    /// <summary>A case-insensitive keyword that must be followed by a delimiter (not more atom characters).</summary>
    public bool TryReadKeyword(string keyword)
    {
        if (_data.Length - _position < keyword.Length)
        {
            return false;
        }

        for (int i = 0; i < keyword.Length; i++)
        {
            if (char.ToUpperInvariant((char)_data[_position + i]) != keyword[i])
            {
                return false;
            }
        }

        int end = _position + keyword.Length;
        if (end < _data.Length && ImapSyntax.IsAtomChar(_data[end]))
        {
            return false;
        }

        _position = end;
        return true;
    }

    public bool TryReadNumber(out uint value)
    {
        bool ok = TryReadNumber64(out ulong wide) && wide <= uint.MaxValue;
        value = (uint)wide;
        return ok;
    }

    /// <summary>number64 (RFC 9051 §9), used for MODSEQ values.</summary>
    public bool TryReadNumber64(out ulong value)
    {
        int start = _position;
        value = 0;
        while (_position < _data.Length && char.IsAsciiDigit((char)_data[_position]))
        {
            if (_position - start >= 19)
            {
                _position = start;
                return false;
            }

            value = (value * 10) + (ulong)(_data[_position++] - '0');
        }

        return _position > start;
    }

    public bool TryReadSequenceSet(out SequenceSet set)
    {
        int start = _position;
        while (_position < _data.Length && (char.IsAsciiDigit((char)_data[_position]) || _data[_position] is (byte)':' or (byte)',' or (byte)'*' or (byte)'$'))
        {
            _position++;
        }

        if (SequenceSet.TryParse(Encoding.ASCII.GetString(_data, start, _position - start), out set))
        {
            return true;
        }

        _position = start;
        return false;
    }

    /// <summary>A flag: "\" atom (system flag) or a keyword atom.</summary>
    public bool TryReadFlag(out string flag)
    {
        int start = _position;
        bool system = TryRead((byte)'\\');
        if (TryReadAtom(out string atom))
        {
            flag = system ? "\\" + atom : atom;
            return true;
        }

        return Restore(start, out flag);
    }

    /// <summary>A parenthesised flag list, or a single flag when <paramref name="allowBare"/> (STORE).</summary>
    public bool TryReadFlagList(out List<string> flags, bool allowBare)
    {
        flags = [];
        int start = _position;
        if (!TryRead((byte)'('))
        {
            if (!allowBare)
            {
                return false;
            }

            // The bare form (flag *(SP flag)) runs to the end of the command.
            do
            {
                if (!TryReadFlag(out string bare) || flags.Count >= 256)
                {
                    _position = start;
                    return false;
                }

                flags.Add(bare);
            }
            while (Space());

            return true;
        }

        while (!TryRead((byte)')'))
        {
            if (flags.Count > 0 && !Space())
            {
                _position = start;
                return false;
            }

            if (!TryReadFlag(out string flag) || flags.Count >= 256)
            {
                _position = start;
                return false;
            }

            flags.Add(flag);
        }

        return true;
    }

    /// <summary>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.</summary>
    public bool TryReadDateTime(out DateTimeOffset value)
    {
        int start = _position;
        value = default;
        if (!TryReadStringBytes(out var bytes) || _data[start] != (byte)'"')
        {
            return Restore(start, out value);
        }

        string text = Encoding.ASCII.GetString(bytes.Span).TrimStart();
        if (DateTimeOffset.TryParseExact(text, ["d-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }

        // "zzz" wants a colon in the zone; IMAP writes +hhmm.
        if (text.Length >= 5 && (text[^5] is '+' or '-') && DateTimeOffset.TryParseExact(text[..^2] + ":" + text[^2..], "d-MMM-yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }

        return Restore(start, out value);
    }

    /// <summary>date = date-text / DQUOTE date-text DQUOTE, where date-text = d-Mon-yyyy (SEARCH).</summary>
    public bool TryReadDate(out DateOnly value)
    {
        int start = _position;
        string text;
        if (Peek == '"')
        {
            if (!TryReadStringBytes(out var bytes))
            {
                return Restore(start, out value);
            }

            text = Encoding.ASCII.GetString(bytes.Span);
        }
        else if (TryReadAtom(out string atom))
        {
            text = atom;
        }
        else
        {
            return Restore(start, out value);
        }

        return DateOnly.TryParseExact(text, "d-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out value) || Restore(start, out value);
    }

    private static bool TryDecode(ReadOnlyMemory<byte> bytes, out string value)
    {
        try
        {
            value = StrictUtf8.GetString(bytes.Span);
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = string.Empty;
            return false;
        }
    }

    private bool TryDecode(int start, int length, out string value) => TryDecode(_data.AsMemory(start, length), out value);

    private bool Restore<T>(int start, out T value)
    {
        _position = start;
        value = default!;
        return false;
    }
}
