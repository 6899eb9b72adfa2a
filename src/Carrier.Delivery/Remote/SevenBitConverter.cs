using MimeKit;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Re-encodes 8-bit MIME parts as quoted-printable or base64 for a server without 8BITMIME (RFC 6152 §3),
/// so that the message can be relayed instead of bounced.
/// </summary>
public static class SevenBitConverter
{
    public static async Task<byte[]> ConvertAsync(byte[] content, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(content, writable: false);
        var message = await MimeMessage.LoadAsync(input, cancellationToken);
        message.Prepare(EncodingConstraint.SevenBit);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var output = new MemoryStream();
        await message.WriteToAsync(format, output, cancellationToken);
        return output.ToArray();
    }
}
