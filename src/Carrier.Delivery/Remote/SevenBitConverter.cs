using MimeKit;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Makes a message 7-bit for a server without 8BITMIME (RFC 6152 §3), so that it can be relayed instead of
/// bounced: 8-bit parts are re-encoded as quoted-printable or base64, and raw UTF-8 header values are
/// re-encoded as RFC 2047 encoded words.
/// </summary>
public static class SevenBitConverter
{
    public static async Task<byte[]> ConvertAsync(byte[] content, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(content, writable: false);
        var message = await MimeMessage.LoadAsync(input, cancellationToken);
        message.Prepare(EncodingConstraint.SevenBit);
        ReencodeHeaders(message.Headers);
        using (var iterator = new MimeIterator(message))
        {
            while (iterator.MoveNext())
            {
                ReencodeHeaders(iterator.Current.Headers);
            }
        }

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.International = false;
        using var output = new MemoryStream();
        await message.WriteToAsync(format, output, cancellationToken);
        return output.ToArray();
    }

    private static void ReencodeHeaders(HeaderList headers)
    {
        foreach (var header in headers)
        {
            if (!System.Text.Ascii.IsValid(header.RawValue))
            {
                // Setting the decoded value makes MimeKit fold and encode it again, as encoded words.
                header.Value = header.Value;
            }
        }
    }
}
