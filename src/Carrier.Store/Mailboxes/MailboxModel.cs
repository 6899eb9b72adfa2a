namespace Carrier.Store.Mailboxes;

/// <summary>The IMAP system flags (RFC 9051 §2.3.2) kept as bits.</summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}

/// <summary>A mailbox (folder) of an account with its IMAP identity counters.</summary>
public sealed record MailboxInfo(
    long Id,
    long AccountId,
    string Name,
    uint UidValidity,
    uint UidNext,
    ulong HighestModSeq,
    string? SpecialUse,
    bool Subscribed,
    int MessageCount);

/// <summary>One message in a mailbox, without its content.</summary>
public sealed record MessageInfo(
    long MailboxId,
    uint Uid,
    ulong ModSeq,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    long Size,
    string BlobId);

/// <summary>The start of a message's content (<see cref="IMailboxStore.ReadMessageStartsAsync"/>); shorter than asked when the message is.</summary>
public sealed record MessageStart(uint Uid, ReadOnlyMemory<byte> Octets);

/// <summary>
/// A message to add to a mailbox: existing blob content, preceded by per-delivery header lines
/// (Return-Path:, Delivered-To:) so that one stored copy serves every recipient.
/// </summary>
/// <param name="DeliveryKey">When set, a second append with the same key is ignored (delivery is idempotent).</param>
public sealed record AppendRequest(
    long MailboxId,
    string BlobId,
    long BlobSize,
    ReadOnlyMemory<byte> HeaderPrefix,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    DateTimeOffset InternalDate,
    string? DeliveryKey);

/// <summary>The UID a message got, and whether an earlier append with the same key already stored it.</summary>
public sealed record AppendResult(long MailboxId, uint Uid, bool AlreadyPresent);

/// <summary>A mailbox every new account gets, with its RFC 6154 special-use attribute.</summary>
public sealed record DefaultMailbox(string Name, string? SpecialUse)
{
    public static readonly IReadOnlyList<DefaultMailbox> Standard =
    [
        new("INBOX", null),
        new("Sent", "\\Sent"),
        new("Drafts", "\\Drafts"),
        new("Trash", "\\Trash"),
        new("Junk", "\\Junk"),
        new("Archive", "\\Archive"),
    ];
}

/// <summary>How STORE changes flags.</summary>
public enum FlagOperation
{
    Replace,
    Add,
    Remove,
}

/// <summary>Messages whose flags changed (with their new state), and messages skipped because they changed since the given MODSEQ.</summary>
public sealed record FlagUpdateResult(IReadOnlyList<MessageInfo> Changed, IReadOnlyList<uint> Conflicts);
