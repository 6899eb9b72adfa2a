using Carrier.Store.Blobs;

namespace Carrier.Store.Queue;

/// <summary>Per-recipient state (ARCHITECTURE.md §6). Delivered, Bounced and Expired are final.</summary>
public enum RecipientState
{
    Queued = 0,
    Deferred = 1,
    Delivered = 2,
    Bounced = 3,
    Expired = 4,
}

public static class RecipientStateExtensions
{
    public static bool IsFinal(this RecipientState state) => state >= RecipientState.Delivered;

    public static string ToDisplay(this RecipientState state) => state.ToString().ToLowerInvariant();
}

/// <summary>A message in the queue: its envelope, without its recipients.</summary>
public sealed record QueuedMessage
{
    public required string Id { get; init; }

    /// <summary>The reverse path; empty for the null sender &lt;&gt;.</summary>
    public required string Sender { get; init; }

    public required DateTimeOffset ArrivedAt { get; init; }

    public required long Size { get; init; }

    public required string BlobId { get; init; }

    /// <summary>How the message arrived: <c>smtp</c>, <c>sendmail</c>, <c>bounce</c>.</summary>
    public required string Origin { get; init; }

    /// <summary>Where it came from, as in logs: <c>unknown[192.0.2.1]</c>, or <c>local</c>.</summary>
    public string Client { get; init; } = "local";

    public string? HeloName { get; init; }

    /// <summary>RFC 6152 BODY: <c>7BIT</c> or <c>8BITMIME</c>.</summary>
    public string BodyType { get; init; } = "7BIT";

    public bool SmtpUtf8 { get; init; }

    /// <summary>RFC 3461 RET: <c>FULL</c>, <c>HDRS</c> or null.</summary>
    public string? DsnReturn { get; init; }

    /// <summary>RFC 3461 ENVID, decoded.</summary>
    public string? EnvelopeId { get; init; }

    public bool Held { get; init; }
}

/// <summary>One recipient of a queued message and where its delivery stands.</summary>
public sealed record QueuedRecipient
{
    /// <summary>Position in the envelope; with the message id it names the recipient.</summary>
    public required int Index { get; init; }

    public required string Address { get; init; }

    /// <summary>RFC 3461 ORCPT, as <c>rfc822;address</c>.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>RFC 3461 NOTIFY as a comma list (<c>SUCCESS,FAILURE</c>, <c>NEVER</c>), or null for the default.</summary>
    public string? Notify { get; init; }

    public RecipientState State { get; init; } = RecipientState.Queued;

    public int Attempts { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>The last reply or reason, as a DSN diagnostic would give it.</summary>
    public string? LastReply { get; init; }

    /// <summary>The RFC 3463 status of the last attempt, such as <c>4.4.1</c>.</summary>
    public string? DsnStatus { get; init; }

    /// <summary>Where the last attempt went, as in logs: <c>local</c> or <c>mx.example[192.0.2.1]:25</c>.</summary>
    public string? Relay { get; init; }

    /// <summary>True once the sender was told that delivery to this recipient is delayed (sent at most once).</summary>
    public bool DelayWarned { get; init; }
}

/// <summary>A message claimed for delivery with the recipients that are due now.</summary>
public sealed record QueueDispatch(QueuedMessage Message, IReadOnlyList<QueuedRecipient> Recipients);

/// <summary>The outcome of one attempt for one recipient, as the runner records it.</summary>
public sealed record RecipientUpdate(
    int Index,
    RecipientState State,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset LastAttemptAt,
    string? LastReply,
    string? DsnStatus,
    string? Relay,
    bool DelayWarned = false);

/// <summary>A message with all its recipients, for listing and inspection.</summary>
public sealed record QueueEntry(QueuedMessage Message, IReadOnlyList<QueuedRecipient> Recipients);

/// <summary>A new message to put into the queue in the same transaction as an update (a bounce, a forward).</summary>
public sealed record QueueSubmission(QueuedMessage Message, IReadOnlyList<QueuedRecipient> Recipients, IBlobWriter? Content);
