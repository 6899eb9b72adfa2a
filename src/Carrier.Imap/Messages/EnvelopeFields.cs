using System.Text;
using Carrier.Imap.Protocol;
using MimeKit.Utils;

namespace Carrier.Imap.Messages;

/// <summary>The first mailbox of an ENVELOPE address list: display name (as written), local part and domain.</summary>
public sealed record EnvelopeAddress(string? Name, string Mailbox, string Host)
{
    /// <summary>The display name with RFC 2047 encoded words decoded; null when there is none.</summary>
    public string? DisplayName => string.IsNullOrWhiteSpace(Name) ? null : Rfc2047.DecodePhrase(Encoding.UTF8.GetBytes(Name)).Trim();
}

/// <summary>
/// What SORT and THREAD (RFC 5256) need of a message, read back from the ENVELOPE text cached in its
/// <see cref="MessageSummary"/>, so neither command parses message content.
/// </summary>
public sealed record EnvelopeFields(string? Date, string? Subject, EnvelopeAddress? From, EnvelopeAddress? To, EnvelopeAddress? Cc, string? InReplyTo, string? MessageId)
{
    /// <summary>No fields: what SORT uses when it needs none of them.</summary>
    public static EnvelopeFields None { get; } = new(null, null, null, null, null, null, null);

    /// <summary>The Date: header as a point in time; null when absent or unreadable.</summary>
    public DateTimeOffset? SentDate => Date is not null && DateUtils.TryParse(Date, out var date) ? date : null;

    /// <summary>Reads an ENVELOPE value as <see cref="EnvelopeWriter"/> writes it; fields it cannot read are null.</summary>
    public static EnvelopeFields Parse(string envelope)
    {
        var reader = new ImapReader(Encoding.UTF8.GetBytes(envelope));
        if (!reader.TryRead((byte)'(') || !reader.TryReadNString(out string? date) || !reader.Space() || !reader.TryReadNString(out string? subject) || !reader.Space())
        {
            return None;
        }

        var addresses = new EnvelopeAddress?[6];
        for (int i = 0; i < addresses.Length; i++)
        {
            if (!TryReadFirstAddress(reader, out addresses[i]) || !reader.Space())
            {
                return None with { Date = date, Subject = subject };
            }
        }

        bool rest = reader.TryReadNString(out string? inReplyTo) & reader.Space() & reader.TryReadNString(out string? messageId);
        return new EnvelopeFields(date, subject, addresses[0], addresses[3], addresses[4], rest ? inReplyTo : null, rest ? messageId : null);
    }

    /// <summary>An address list (or NIL); yields its first real mailbox, skipping group markers.</summary>
    private static bool TryReadFirstAddress(ImapReader reader, out EnvelopeAddress? first)
    {
        first = null;
        if (reader.TryReadKeyword("NIL"))
        {
            return true;
        }

        if (!reader.TryRead((byte)'('))
        {
            return false;
        }

        while (!reader.TryRead((byte)')'))
        {
            if (!reader.TryRead((byte)'(') || !reader.TryReadNString(out string? name) || !reader.Space() || !reader.TryReadNString(out _) || !reader.Space()
                || !reader.TryReadNString(out string? mailbox) || !reader.Space() || !reader.TryReadNString(out string? host) || !reader.TryRead((byte)')'))
            {
                return false;
            }

            if (first is null && mailbox is not null && host is not null)
            {
                first = new EnvelopeAddress(name, mailbox, host);
            }
        }

        return true;
    }
}
