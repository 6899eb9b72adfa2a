using System.Text;

namespace Carrier.Imap.Server;

/// <summary>
/// The parts of a message FETCH and SEARCH read: sections, decoded content, the cached summary and the
/// searchable text. One seam between the session and the message model.
/// </summary>
internal static class MessageParts
{
    public static bool IsValidSection(string section) => section.Length == 0 || section.Equals("HEADER", StringComparison.OrdinalIgnoreCase) || section.Equals("TEXT", StringComparison.OrdinalIgnoreCase);

    public static ValueTask<byte[]> ExtractAsync(byte[] message, string section, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        int split = HeaderEnd(message);
        return ValueTask.FromResult(section.ToUpperInvariant() switch
        {
            "HEADER" => message[..split],
            "TEXT" => message[split..],
            _ => message,
        });
    }

    public static async ValueTask<byte[]?> DecodeBinaryAsync(byte[] message, string section, CancellationToken cancellationToken) =>
        await ExtractAsync(message, section, cancellationToken);

    public static bool Contains(byte[] message, string value, bool header, bool body)
    {
        int split = HeaderEnd(message);
        string text = Encoding.UTF8.GetString(header && body ? message : header ? message[..split] : message[split..]);
        return text.Contains(value, StringComparison.OrdinalIgnoreCase);
    }

    public static bool HeaderContains(byte[] message, string field, string value)
    {
        string header = Encoding.UTF8.GetString(message[..HeaderEnd(message)]);
        return header.Split("\r\n").Any(line => line.StartsWith(field + ":", StringComparison.OrdinalIgnoreCase) && line.Contains(value, StringComparison.OrdinalIgnoreCase));
    }

    public static DateTimeOffset? SentDate(byte[] message)
    {
        _ = message;
        return null;
    }

    private static int HeaderEnd(byte[] message)
    {
        int end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? message.Length : end + 4;
    }
}
