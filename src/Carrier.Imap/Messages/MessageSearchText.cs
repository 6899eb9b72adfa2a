using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>
/// A message prepared for the text keys of SEARCH (RFC 9051 §6.4.4): header values and body text decoded
/// from their MIME encodings, matched as case-insensitive substrings.
/// </summary>
public sealed class MessageSearchText
{
    private readonly MimeMessage _message;
    private List<string>? _bodyTexts;

    private MessageSearchText(MimeMessage message) => _message = message;

    /// <summary>The Date: header, or null when the message has none that can be read.</summary>
    public DateTimeOffset? SentDate =>
        _message.Headers.Contains(HeaderId.Date) && _message.Date != DateTimeOffset.MinValue ? _message.Date : null;

    public static async ValueTask<MessageSearchText> LoadAsync(Stream message, CancellationToken cancellationToken) =>
        new(await MimeMessage.LoadAsync(message, cancellationToken).ConfigureAwait(false));

    /// <summary>Whether a header field of that name contains the value; an empty value asks only whether there is one.</summary>
    public bool HeaderContains(string field, string value)
    {
        foreach (var header in _message.Headers)
        {
            if (header.Field.Equals(field, StringComparison.OrdinalIgnoreCase)
                && (value.Length == 0 || Matches(header.Value, value) || Matches(ImapWireText.Unfold(header.RawValue), value)))
            {
                return true;
            }
        }

        return false;
    }

    public bool BodyContains(string value) => BodyTexts().Any(text => Matches(text, value));

    /// <summary>TEXT searches the header as written, field names included, and the body.</summary>
    public bool TextContains(string value) =>
        _message.Headers.Any(header => Matches(header.Field + ": " + header.Value, value) || Matches(ImapWireText.Unfold(header.RawValue), value)) || BodyContains(value);

    private List<string> BodyTexts()
    {
        if (_bodyTexts is null)
        {
            _bodyTexts = [];
            Collect(_message.Body, _bodyTexts, depth: 0);
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
}
