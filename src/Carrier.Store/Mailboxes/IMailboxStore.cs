using Carrier.Store.Blobs;

namespace Carrier.Store.Mailboxes;

/// <summary>Mailboxes and their messages, shared by local delivery, IMAP, POP3 and the CLI.</summary>
public interface IMailboxStore
{
    ValueTask<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(long accountId, CancellationToken cancellationToken);

    /// <summary>Finds a mailbox by name; INBOX is matched case-insensitively (RFC 9051 §5.1).</summary>
    ValueTask<MailboxInfo?> GetMailboxAsync(long accountId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Appends messages in one transaction. <paramref name="newContent"/>, when given, is the blob the requests
    /// refer to and is committed with them.
    /// </summary>
    ValueTask<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<AppendRequest> requests, IBlobWriter? newContent, CancellationToken cancellationToken);

    /// <summary>Appends messages in one transaction together with the new blobs they refer to (all or nothing).</summary>
    ValueTask<IReadOnlyList<AppendResult>> AppendManyAsync(IReadOnlyList<AppendRequest> requests, IReadOnlyList<IBlobWriter> newContents, CancellationToken cancellationToken);

    /// <summary>Messages of a mailbox in UID order.</summary>
    ValueTask<IReadOnlyList<MessageInfo>> ListMessagesAsync(long mailboxId, CancellationToken cancellationToken);

    /// <summary>The full message as a client sees it: header prefix, then the blob. Null if there is no such UID.</summary>
    ValueTask<Stream?> OpenMessageAsync(long mailboxId, uint uid, CancellationToken cancellationToken);

    /// <summary>
    /// The first <paramref name="length"/> octets of the messages of a mailbox with UIDs from <paramref name="fromUid"/>
    /// to <paramref name="toUid"/>, as a client sees them (header prefix included), in UID order, read in one pass:
    /// for readers that need only the header of many messages.
    /// </summary>
    IAsyncEnumerable<MessageStart> ReadMessageStartsAsync(long mailboxId, uint fromUid, uint toUid, int length, CancellationToken cancellationToken);

    /// <summary>Creates a mailbox; throws <see cref="StoreException"/> when the name exists.</summary>
    ValueTask<MailboxInfo> CreateMailboxAsync(long accountId, string name, string? specialUse, CancellationToken cancellationToken);

    /// <summary>Deletes a mailbox and its messages; returns false when there is none of that name.</summary>
    ValueTask<bool> DeleteMailboxAsync(long accountId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Renames a mailbox and the mailboxes below it in the hierarchy (<paramref name="delimiter"/>). Renaming INBOX
    /// moves its messages to a new mailbox and leaves INBOX empty (RFC 9051 §6.3.6).
    /// </summary>
    ValueTask RenameMailboxAsync(long accountId, string from, string to, char delimiter, CancellationToken cancellationToken);

    ValueTask<bool> SetSubscribedAsync(long accountId, string name, bool subscribed, CancellationToken cancellationToken);

    /// <summary>
    /// Changes flags of the given messages, each change with a new MODSEQ. With <paramref name="unchangedSince"/>
    /// (RFC 7162 CONDSTORE), messages modified after it are left alone and reported as conflicts.
    /// </summary>
    ValueTask<FlagUpdateResult> StoreFlagsAsync(long mailboxId, IReadOnlyCollection<uint> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, ulong? unchangedSince, CancellationToken cancellationToken);

    /// <summary>Removes messages marked \Deleted (all of them, or those among <paramref name="uids"/>); returns the UIDs removed.</summary>
    ValueTask<IReadOnlyList<uint>> ExpungeAsync(long mailboxId, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken);

    /// <summary>Copies (or moves) messages to another mailbox in one transaction; returns source and new UIDs in order.</summary>
    ValueTask<IReadOnlyList<(uint Source, uint Target)>> CopyAsync(long sourceMailboxId, IReadOnlyCollection<uint> uids, long targetMailboxId, bool move, CancellationToken cancellationToken);

    /// <summary>Messages added or changed after <paramref name="modSeq"/>, in UID order (how sessions catch up).</summary>
    ValueTask<IReadOnlyList<MessageInfo>> ListChangedSinceAsync(long mailboxId, ulong modSeq, CancellationToken cancellationToken);

    /// <summary>UIDs expunged from a mailbox after <paramref name="modSeq"/> (RFC 7162 QRESYNC VANISHED).</summary>
    ValueTask<IReadOnlyList<uint>> ListExpungedSinceAsync(long mailboxId, ulong modSeq, CancellationToken cancellationToken);

    /// <summary>In-process notice of changes, for sessions that wait for new mail (IMAP IDLE).</summary>
    MailboxChangeNotifier Changes { get; }
}
