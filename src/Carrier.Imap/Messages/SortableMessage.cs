using Carrier.Imap.Protocol;

namespace Carrier.Imap.Messages;

/// <summary>
/// A message as SORT and THREAD see it (RFC 5256): its place in the mailbox, its metadata and the envelope fields
/// from its cached summary, with the values to compare worked out once.
/// </summary>
public sealed class SortableMessage
{
    private readonly EnvelopeFields _envelope;
    private readonly string?[] _textKeys = new string?[5];
    private BaseSubject? _subject;

    public SortableMessage(int index, uint number, DateTimeOffset internalDate, long size, EnvelopeFields envelope, string? references)
    {
        Index = index;
        Number = number;
        InternalDate = internalDate;
        Size = size;
        _envelope = envelope;
        References = references;
        SentDate = envelope.SentDate ?? internalDate;
    }

    /// <summary>The 0-based position in the mailbox: the order of last resort (RFC 5256 §3).</summary>
    public int Index { get; }

    /// <summary>What the response names the message by: its sequence number or its UID.</summary>
    public uint Number { get; }

    public DateTimeOffset InternalDate { get; }

    public long Size { get; }

    /// <summary>The Date: header, or INTERNALDATE when there is none that can be read (RFC 5256 §2.2).</summary>
    public DateTimeOffset SentDate { get; }

    public string? MessageId => _envelope.MessageId;

    public string? InReplyTo => _envelope.InReplyTo;

    /// <summary>The References header field as written; empty when there is none.</summary>
    public string? References { get; }

    public BaseSubject Subject => _subject ??= BaseSubject.From(_envelope.Subject);

    /// <summary>Compares two messages by the sort program; ties go by mailbox order.</summary>
    public static int Compare(SortableMessage a, SortableMessage b, IReadOnlyList<SortCriterion> criteria)
    {
        foreach (var criterion in criteria)
        {
            int order = criterion.Key switch
            {
                SortKeyKind.Arrival => a.InternalDate.CompareTo(b.InternalDate),
                SortKeyKind.Date => a.SentDate.CompareTo(b.SentDate),
                SortKeyKind.Size => a.Size.CompareTo(b.Size),
                SortKeyKind.Subject => string.CompareOrdinal(a.Subject.Key, b.Subject.Key),
                _ => string.CompareOrdinal(a.TextKey(criterion.Key), b.TextKey(criterion.Key)),
            };

            if (order != 0)
            {
                return criterion.Reverse ? -order : order;
            }
        }

        return a.Index.CompareTo(b.Index);
    }

    /// <summary>The address keys in compared form (i;ascii-casemap), worked out on first use.</summary>
    private string TextKey(SortKeyKind key)
    {
        int slot = key switch
        {
            SortKeyKind.From => 0,
            SortKeyKind.To => 1,
            SortKeyKind.Cc => 2,
            SortKeyKind.DisplayFrom => 3,
            _ => 4,
        };

        return _textKeys[slot] ??= BaseSubject.AsciiUpper(slot switch
        {
            0 => Mailbox(_envelope.From),
            1 => Mailbox(_envelope.To),
            2 => Mailbox(_envelope.Cc),
            3 => Display(_envelope.From),
            _ => Display(_envelope.To),
        });
    }

    /// <summary>RFC 5256 §3: the addr-mailbox (local part) of the first address; empty when there is none.</summary>
    private static string Mailbox(EnvelopeAddress? address) => address?.Mailbox ?? string.Empty;

    /// <summary>RFC 5957 §3: the decoded display name of the first address, or its addr-spec when it has none.</summary>
    private static string Display(EnvelopeAddress? address) =>
        address is null ? string.Empty : address.DisplayName ?? $"{address.Mailbox}@{address.Host}";
}
