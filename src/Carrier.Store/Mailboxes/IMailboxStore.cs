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

    /// <summary>Messages of a mailbox in UID order.</summary>
    ValueTask<IReadOnlyList<MessageInfo>> ListMessagesAsync(long mailboxId, CancellationToken cancellationToken);

    /// <summary>The full message as a client sees it: header prefix, then the blob. Null if there is no such UID.</summary>
    ValueTask<Stream?> OpenMessageAsync(long mailboxId, uint uid, CancellationToken cancellationToken);
}
