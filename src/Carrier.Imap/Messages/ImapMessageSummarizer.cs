using System.Text;
using Carrier.Store.Blobs;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>
/// Computes the <see cref="MessageSummary"/> the store caches with each blob, so that FETCH ENVELOPE, BODY and
/// BODYSTRUCTURE are answered without parsing the message again.
/// </summary>
public sealed class ImapMessageSummarizer : IMessageSummarizer
{
    public async ValueTask<string> SummarizeAsync(Stream content, CancellationToken cancellationToken)
    {
        var layout = await MessageLayout.LoadAsync(content, cancellationToken).ConfigureAwait(false);
        return Summarize(layout).ToStoredForm();
    }

    /// <summary>The summary of a message held in memory.</summary>
    public static MessageSummary Summarize(ReadOnlyMemory<byte> content) => Summarize(MessageLayout.Parse(content));

    /// <summary>The summary of a message built in memory, as it will be written out.</summary>
    public static MessageSummary Summarize(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        return Summarize(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    internal static MessageSummary Summarize(MessageLayout layout)
    {
        var body = layout.Message.Body ?? new TextPart();
        var envelope = new StringBuilder();
        EnvelopeWriter.Append(envelope, layout.Message);
        var bodyStructure = new StringBuilder();
        new BodyStructureWriter(layout, extensible: true).Append(bodyStructure, body);
        var basicBody = new StringBuilder();
        new BodyStructureWriter(layout, extensible: false).Append(basicBody, body);
        string references = ImapWireText.RawHeader(layout.Message.Headers, HeaderId.References) ?? string.Empty;
        return new MessageSummary(envelope.ToString(), bodyStructure.ToString(), basicBody.ToString(), references);
    }
}
