using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

internal sealed class EmbeddedMailboxStore : IMailboxStore
{
    private const string MailboxColumns =
        "b.id, b.account_id, b.name, b.uid_validity, b.uid_next, b.highest_modseq, b.special_use, b.subscribed, " +
        "(SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = b.id)";

    private readonly SqliteDatabase _database;
    private readonly EmbeddedBlobStore _blobs;

    public EmbeddedMailboxStore(SqliteDatabase database, EmbeddedBlobStore blobs)
    {
        _database = database;
        _blobs = blobs;
    }

    public async ValueTask<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            $"SELECT {MailboxColumns} FROM mailboxes b WHERE b.account_id = @account ORDER BY b.name = 'INBOX' DESC, b.name",
            ("@account", accountId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var mailboxes = new List<MailboxInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            mailboxes.Add(ReadMailbox(reader));
        }

        return mailboxes;
    }

    public async ValueTask<MailboxInfo?> GetMailboxAsync(long accountId, string name, CancellationToken cancellationToken)
    {
        // RFC 9051 §5.1: INBOX is case-insensitive, every other name is exact.
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            name = "INBOX";
        }

        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            $"SELECT {MailboxColumns} FROM mailboxes b WHERE b.account_id = @account AND b.name = @name",
            ("@account", accountId),
            ("@name", name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadMailbox(reader) : null;
    }

    public async ValueTask<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<AppendRequest> requests, IBlobWriter? newContent, CancellationToken cancellationToken)
    {
        var writer = newContent is null ? null : EmbeddedBlobStore.Own(newContent);
        if (writer is not null)
        {
            await writer.PrepareCommitAsync(cancellationToken);
        }

        var results = await _database.WriteAsync(connection =>
        {
            writer?.WriteRow(connection);
            var appended = new List<AppendResult>(requests.Count);
            foreach (var request in requests)
            {
                appended.Add(Append(connection, request));
            }

            return appended;
        });
        writer?.MarkCommitted();
        return results;
    }

    private static AppendResult Append(SqliteConnection connection, AppendRequest request)
    {
        if (request.DeliveryKey is not null &&
            connection.Scalar("SELECT uid FROM messages WHERE delivery_key = @key", ("@key", request.DeliveryKey)) is long existing)
        {
            return new AppendResult(request.MailboxId, (uint)existing, AlreadyPresent: true);
        }

        using var allocate = connection.Command(
            """
            UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
            WHERE id = @mailbox RETURNING uid_next - 1, highest_modseq
            """,
            ("@mailbox", request.MailboxId));
        using var reader = allocate.ExecuteReader();
        if (!reader.Read())
        {
            throw new StoreException($"Mailbox {request.MailboxId} does not exist.");
        }

        long uid = reader.GetInt64(0);
        long modseq = reader.GetInt64(1);
        reader.Close();
        connection.Execute(
            """
            INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, blob_id, header_prefix, delivery_key)
            VALUES (@mailbox, @uid, @modseq, @flags, @keywords, @date, @size, @blob, @prefix, @key)
            """,
            ("@mailbox", request.MailboxId),
            ("@uid", uid),
            ("@modseq", modseq),
            ("@flags", (int)request.Flags),
            ("@keywords", request.Keywords.Count == 0 ? null : string.Join(' ', request.Keywords)),
            ("@date", request.InternalDate.ToUnixMs()),
            ("@size", request.BlobSize + request.HeaderPrefix.Length),
            ("@blob", request.BlobId),
            ("@prefix", request.HeaderPrefix.Length == 0 ? null : request.HeaderPrefix.ToArray()),
            ("@key", request.DeliveryKey));
        return new AppendResult(request.MailboxId, (uint)uid, AlreadyPresent: false);
    }

    public async ValueTask<IReadOnlyList<MessageInfo>> ListMessagesAsync(long mailboxId, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT uid, modseq, flags, keywords, internal_date, size, blob_id FROM messages WHERE mailbox_id = @mailbox ORDER BY uid",
            ("@mailbox", mailboxId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var messages = new List<MessageInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string? keywords = reader.GetNullableString(3);
            messages.Add(new MessageInfo(
                mailboxId,
                (uint)reader.GetInt64(0),
                (ulong)reader.GetInt64(1),
                (MessageFlags)reader.GetInt32(2),
                keywords is null ? [] : keywords.Split(' '),
                SqliteExtensions.FromUnixMs(reader.GetInt64(4)),
                reader.GetInt64(5),
                reader.GetString(6)));
        }

        return messages;
    }

    public async ValueTask<Stream?> OpenMessageAsync(long mailboxId, uint uid, CancellationToken cancellationToken)
    {
        string blobId;
        byte[] prefix;
        await using (var connection = _database.OpenReader())
        {
            await using var command = connection.Command(
                "SELECT blob_id, header_prefix FROM messages WHERE mailbox_id = @mailbox AND uid = @uid",
                ("@mailbox", mailboxId),
                ("@uid", (long)uid));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            blobId = reader.GetString(0);
            prefix = reader.IsDBNull(1) ? [] : reader.GetFieldValue<byte[]>(1);
        }

        var body = await _blobs.OpenReadAsync(blobId, cancellationToken);
        return prefix.Length == 0 ? body : new PrefixedStream(prefix, body);
    }

    private static MailboxInfo ReadMailbox(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetInt64(1),
        r.GetString(2),
        (uint)r.GetInt64(3),
        (uint)r.GetInt64(4),
        (ulong)r.GetInt64(5),
        r.GetNullableString(6),
        r.GetInt64(7) != 0,
        r.GetInt32(8));
}
