using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Carrier.Imap.Messages;

/// <summary>
/// A message prepared for the text keys of SEARCH (RFC 9051 §6.4.4): header values and body text decoded
/// from their MIME encodings, matched as case-insensitive substrings.
/// </summary>
/// <remarks>
/// Made either from the whole message (every key) or from its top-level header alone (the header keys and
/// SENTBEFORE/SENTON/SENTSINCE), which spares the MIME parse of the body: a header-only search reads a few
/// hundred octets per message instead of the message with its attachments.
/// </remarks>
public sealed class MessageSearchText
{
    private readonly MimeMessage? _message;
    private readonly HeaderBlock? _header;
    private readonly RawText? _raw;
    private List<string>? _bodyTexts;

    private MessageSearchText(MimeMessage message) => _message = message;

    private MessageSearchText(HeaderBlock header, RawText? raw = null)
    {
        _header = header;
        _raw = raw;
    }

    /// <summary>The first Date: header, or null when there is none or it cannot be read.</summary>
    public DateTimeOffset? SentDate =>
        Headers("Date", string.Empty).FirstOrDefault() is { } date && DateUtils.TryParse(date.RawValue, 0, date.RawValue.Length, out var sent)
            ? sent
            : null;

    public static async ValueTask<MessageSearchText> LoadAsync(Stream message, CancellationToken cancellationToken) =>
        new(await MimeMessage.LoadAsync(message, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The whole message for every key; one MimeKit cannot parse (a header that starts with a continuation line,
    /// say) is searched as it is written: its fields as the header-only form reads them, and everything after
    /// the blank line as its body text. One such message must not make every BODY or TEXT search of its
    /// mailbox fail.
    /// </summary>
    public static async ValueTask<MessageSearchText> LoadOrRawAsync(byte[] message, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = new MemoryStream(message, writable: false);
            return await LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            int headerLength = HeaderBlock.LengthOf(message, out _);
            var raw = new RawText(Encoding.UTF8.GetString(message, 0, headerLength), Encoding.UTF8.GetString(message, headerLength, message.Length - headerLength));
            return new MessageSearchText(new HeaderBlock(message.AsMemory(0, headerLength)), raw);
        }
    }

    /// <summary>A message known by its top-level header only: answers header keys, not BODY or TEXT.</summary>
    public static MessageSearchText FromHeader(ReadOnlyMemory<byte> header) => new(new HeaderBlock(header));

    /// <summary>Whether a header field of that name contains the value; an empty value asks only whether there is one.</summary>
    public bool HeaderContains(string field, string value)
    {
        foreach (var header in Headers(field, value))
        {
            if (value.Length == 0 || Matches(header.Value, value) || Matches(ImapWireText.Unfold(header.RawValue), value))
            {
                return true;
            }
        }

        return false;
    }

    public bool BodyContains(string value) =>
        _raw is { } raw ? Matches(raw.Body, value) : BodyTexts().Any(text => Matches(text, value));

    /// <summary>TEXT searches the header as written, field names included, and the body.</summary>
    public bool TextContains(string value) =>
        _raw is { } raw ? Matches(raw.Header, value) || Matches(raw.Body, value) : Whole.Headers.Any(header => Matches(header.Field + ": " + header.Value, value) || Matches(ImapWireText.Unfold(header.RawValue), value)) || BodyContains(value);

    private MimeMessage Whole => _message ?? throw new InvalidOperationException("BODY and TEXT need the whole message, not its header alone.");

    /// <summary>The fields of that name; from a header alone, without those that certainly do not contain the value.</summary>
    private IEnumerable<Header> Headers(string field, string value) =>
        _message is not null
            ? _message.Headers.Where(h => h.Field.Equals(field, StringComparison.OrdinalIgnoreCase))
            : _header!.Named(field, value);

    private List<string> BodyTexts()
    {
        if (_bodyTexts is null)
        {
            _bodyTexts = [];
            Collect(Whole.Body, _bodyTexts, depth: 0);
        }

        return _bodyTexts;
    }

    private static void Collect(MimeEntity? entity, List<string> texts, int depth)
    {
        // Nesting is bounded by the parser already; the depth check keeps this walk bounded on its own terms.
        if (depth > SectionSpec.MaxDepth)
        {
            return;
        }

        switch (entity)
        {
            case TextPart text:
                texts.Add(text.Text ?? string.Empty);
                break;
            case Multipart multipart:
                foreach (var part in multipart)
                {
                    Collect(part, texts, depth + 1);
                }

                break;
            case MessagePart { Message: { } embedded }:
                texts.AddRange(embedded.Headers.Select(h => h.Value ?? string.Empty));
                Collect(embedded.Body, texts, depth + 1);
                break;
        }
    }

    private static bool Matches(string? text, string value) =>
        text is not null && text.Contains(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>A message MimeKit could not parse, as written: header and body apart.</summary>
    private sealed record RawText(string Header, string Body);
}
