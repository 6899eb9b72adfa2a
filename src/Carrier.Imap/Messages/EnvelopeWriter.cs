using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Carrier.Imap.Messages;

/// <summary>
/// The ENVELOPE of a message (RFC 9051 §7.5.2): date, subject, the address lists and the identifiers. Header
/// values are given as they are in the message; a missing Sender or Reply-To is the From list, as the RFC says.
/// </summary>
internal static class EnvelopeWriter
{
    public static void Append(StringBuilder output, MimeMessage message)
    {
        var headers = message.Headers;
        output.Append('(');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(headers, HeaderId.Date));
        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(headers, HeaderId.Subject));
        output.Append(' ');
        AppendAddresses(output, headers, HeaderId.From, message.From);
        output.Append(' ');
        AppendAddresses(output, headers, headers.Contains(HeaderId.Sender) ? HeaderId.Sender : HeaderId.From, headers.Contains(HeaderId.Sender) ? SenderList(message) : message.From);
        output.Append(' ');
        AppendAddresses(output, headers, headers.Contains(HeaderId.ReplyTo) ? HeaderId.ReplyTo : HeaderId.From, headers.Contains(HeaderId.ReplyTo) ? message.ReplyTo : message.From);
        output.Append(' ');
        AppendAddresses(output, headers, HeaderId.To, message.To);
        output.Append(' ');
        AppendAddresses(output, headers, HeaderId.Cc, message.Cc);
        output.Append(' ');
        AppendAddresses(output, headers, HeaderId.Bcc, message.Bcc);
        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(headers, HeaderId.InReplyTo));
        output.Append(' ');
        ImapWireText.AppendNString(output, ImapWireText.RawHeader(headers, HeaderId.MessageId));
        output.Append(')');
    }

    private static InternetAddressList SenderList(MimeMessage message) =>
        message.Sender is { } sender ? [sender] : [];

    private static void AppendAddresses(StringBuilder output, HeaderList headers, HeaderId id, InternetAddressList addresses)
    {
        if (!headers.Contains(id) || addresses.Count == 0)
        {
            output.Append("NIL");
            return;
        }

        output.Append('(');
        foreach (var address in addresses)
        {
            AppendAddress(output, address);
        }

        output.Append(')');
    }

    private static void AppendAddress(StringBuilder output, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                output.Append('(');
                ImapWireText.AppendNString(output, Phrase(mailbox.Name));
                output.Append(' ');
                ImapWireText.AppendNString(output, mailbox.Route.Count > 0 ? string.Join(',', mailbox.Route.Select(r => "@" + r)) : null);
                output.Append(' ');
                ImapWireText.AppendString(output, mailbox.LocalPart);
                output.Append(' ');
                ImapWireText.AppendString(output, mailbox.Domain ?? string.Empty);
                output.Append(')');
                break;
            case GroupAddress group:
                // A group is a start marker with its name, the members, and an end marker (RFC 9051 §7.5.2).
                output.Append("(NIL NIL ");
                ImapWireText.AppendString(output, group.Name ?? string.Empty);
                output.Append(" NIL)");
                foreach (var member in group.Members)
                {
                    AppendAddress(output, member);
                }

                output.Append("(NIL NIL NIL NIL)");
                break;
        }
    }

    /// <summary>MimeKit hands names back decoded; non-ASCII ones go out as an RFC 2047 encoded word again.</summary>
    private static string? Phrase(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return name.All(char.IsAscii) ? name : Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
    }
}
