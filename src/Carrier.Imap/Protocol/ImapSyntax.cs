namespace Carrier.Imap.Protocol;

/// <summary>Character classes of the IMAP grammar (RFC 9051 §9).</summary>
public static class ImapSyntax
{
    /// <summary>ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ].</summary>
    public static bool IsAtomChar(byte b) =>
        b > 0x20 && b < 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>ASTRING-CHAR: ATOM-CHAR or resp-specials ("]").</summary>
    public static bool IsAStringChar(byte b) => IsAtomChar(b) || b == (byte)']';

    /// <summary>Characters of a LIST pattern: ASTRING-CHAR plus the wildcards % and *.</summary>
    public static bool IsListChar(byte b) => IsAStringChar(b) || b == (byte)'%' || b == (byte)'*';

    public static bool IsAtom(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c > 0x7F || !IsAtomChar((byte)c))
            {
                return false;
            }
        }

        return true;
    }
}
