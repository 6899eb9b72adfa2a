using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Carrier.Smtp.Protocol;

/// <summary>RFC 3461 §4 xtext: printable ASCII except '+' and '=', other octets as "+HH".</summary>
public static class Xtext
{
    public static bool TryDecode(ReadOnlySpan<char> text, [NotNullWhen(true)] out string? decoded)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !IsUpperHex(text[i + 1]) || !IsUpperHex(text[i + 2]))
                {
                    decoded = null;
                    return false;
                }

                bytes.Add((byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2])));
                i += 2;
            }
            else if (c is >= '!' and <= '~' and not '=')
            {
                bytes.Add((byte)c);
            }
            else
            {
                decoded = null;
                return false;
            }
        }

        decoded = Encoding.UTF8.GetString(bytes.ToArray());
        return true;
    }

    public static string Encode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'!' and <= (byte)'~' and not (byte)'+' and not (byte)'=')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'A' + 10;
}
