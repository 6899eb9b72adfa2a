using System.Text;

namespace Carrier.Delivery;

/// <summary>
/// Counts <c>Received:</c> header fields, the hops a message has made (RFC 5321 §6.3: a message with too many
/// is in a loop). Reads only the header section, and at most <see cref="MaxHeaderBytes"/> of it.
/// </summary>
public static class HopCounter
{
    public const int MaxHeaderBytes = 1024 * 1024;

    public static async Task<int> CountAsync(Stream content, CancellationToken cancellationToken)
    {
        using var header = new MemoryStream();
        var buffer = new byte[16384];
        int read;
        while (header.Length < MaxHeaderBytes && (read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            header.Write(buffer, 0, read);
            if (buffer.AsSpan(0, read).IndexOf("\n\r\n"u8) >= 0 || buffer.AsSpan(0, read).IndexOf("\n\n"u8) >= 0)
            {
                break;
            }
        }

        int count = 0;
        foreach (string line in Encoding.Latin1.GetString(header.GetBuffer(), 0, (int)header.Length).Split('\n'))
        {
            if (line.Length == 0 || line == "\r")
            {
                break;
            }

            if (line.StartsWith("Received:", StringComparison.OrdinalIgnoreCase))
            {
                count++;
            }
        }

        return count;
    }
}
