using System.Text;
using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>
/// BODYSTRUCTURE (extensible) and BODY (basic) of a message (RFC 9051 §7.5.2), with sizes and line counts
/// taken from the octets of the message as stored.
/// </summary>
internal sealed class BodyStructureWriter(MessageLayout layout, bool extensible)
{
    public void Append(StringBuilder output, MimeEntity entity)
    {
        switch (entity)
        {
            case Multipart multipart when multipart.Count > 0:
                AppendMultipart(output, multipart);
                break;
            case Multipart multipart:
                // The grammar wants at least one part; an empty multipart shows as one empty text part.
                output.Append("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
                AppendString(output.Append(' '), multipart.ContentType.MediaSubtype);
                output.Append(')');
                break;
            default:
                AppendSinglePart(output, entity);
                break;
        }
    }

    private void AppendMultipart(StringBuilder output, Multipart multipart)
    {
        output.Append('(');
        foreach (var part in multipart)
        {
            Append(output, part);
        }

        output.Append(' ');
        AppendString(output, multipart.ContentType.MediaSubtype);
        if (extensible)
        {
            output.Append(' ');
            AppendParameters(output, multipart.ContentType.Parameters);
            AppendExtensions(output, multipart);
        }

        output.Append(')');
    }

    private void AppendSinglePart(StringBuilder output, MimeEntity entity)
    {
        var type = entity.ContentType;
        var extent = layout.Extent(entity);
        output.Append('(');
        AppendString(output, type.MediaType);
        output.Append(' ');
        AppendString(output, type.MediaSubtype);
        output.Append(' ');
        if (type.Parameters.Count == 0 && !entity.Headers.Contains(HeaderId.ContentType) && type.IsMimeType("text", "plain"))
        {
            // RFC 2045 §5.2: no Content-Type at all means text/plain in US-ASCII.
            output.Append("(\"charset\" \"us-ascii\")");
        }
        else
        {
            AppendParameters(output, type.Parameters);
        }

        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(entity.Headers, HeaderId.ContentId));
        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(entity.Headers, HeaderId.ContentDescription));
        output.Append(' ');
        AppendString(output, ImapWireText.RawHeader(entity.Headers, HeaderId.ContentTransferEncoding) is { Length: > 0 } encoding ? encoding : "7bit");
        output.Append(' ').Append(extent.BodyLength);

        if (entity is MessagePart { Message: { } embedded } && (type.IsMimeType("message", "rfc822") || type.IsMimeType("message", "global")))
        {
            output.Append(' ');
            EnvelopeWriter.Append(output, embedded);
            output.Append(' ');
            Append(output, embedded.Body ?? new TextPart());
            output.Append(' ').Append(extent.Lines);
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            output.Append(' ').Append(extent.Lines);
        }

        if (extensible)
        {
            output.Append(' ');
            ImapWireText.AppendNString(output, ImapWireText.RawHeader(entity.Headers, HeaderId.ContentMd5));
            AppendExtensions(output, entity);
        }

        output.Append(')');
    }

    /// <summary>Disposition, language and location: the extension data every body type shares.</summary>
    private static void AppendExtensions(StringBuilder output, MimeEntity entity)
    {
        output.Append(' ');
        if (entity.ContentDisposition is { } disposition && entity.Headers.Contains(HeaderId.ContentDisposition))
        {
            output.Append('(');
            AppendString(output, disposition.Disposition);
            output.Append(' ');
            AppendParameters(output, disposition.Parameters);
            output.Append(')');
        }
        else
        {
            output.Append("NIL");
        }

        output.Append(' ');
        string[] languages = ImapWireText.RawHeader(entity.Headers, HeaderId.ContentLanguage) is { } language
            ? language.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        if (languages.Length == 0)
        {
            output.Append("NIL");
        }
        else
        {
            output.Append('(');
            for (int i = 0; i < languages.Length; i++)
            {
                AppendString(i == 0 ? output : output.Append(' '), languages[i]);
            }

            output.Append(')');
        }

        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(entity.Headers, HeaderId.ContentLocation));
    }

    private static void AppendParameters(StringBuilder output, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            output.Append("NIL");
            return;
        }

        output.Append('(');
        bool first = true;
        foreach (var parameter in parameters)
        {
            if (!first)
            {
                output.Append(' ');
            }

            first = false;
            AppendString(output, parameter.Name);
            output.Append(' ');
            AppendString(output, parameter.Value ?? string.Empty);
        }

        output.Append(')');
    }

    private static void AppendString(StringBuilder output, string value) => ImapWireText.AppendString(output, value);
}
