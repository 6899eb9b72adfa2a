using System.Collections.Concurrent;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

/// <summary>
/// The queue in the embedded database. Claims are kept in memory: only the process holding the data
/// directory's lock delivers from it, so a claim needs no disk write and dies with the process.
/// </summary>
internal sealed class EmbeddedQueueStore : IQueueStore
{
    private const string MessageColumns =
        "m.id, m.sender, m.arrived_at, m.size, m.blob_id, m.origin, m.client, m.helo, m.body_type, m.smtputf8, m.dsn_ret, m.dsn_envid, m.held";

    private const string RecipientColumns =
        "r.idx, r.address, r.orcpt, r.notify, r.state, r.attempts, r.next_attempt_at, r.last_attempt_at, r.last_reply, r.dsn_status, r.relay, r.delay_warned";

    private readonly SqliteDatabase _database;
    private readonly EmbeddedBlobStore _blobs;
    private readonly EmbeddedMailboxStore _mailboxes;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _claims = new();

    public EmbeddedQueueStore(SqliteDatabase database, EmbeddedBlobStore blobs, EmbeddedMailboxStore mailboxes)
    {
        _database = database;
        _blobs = blobs;
        _mailboxes = mailboxes;
    }

    public async ValueTask EnqueueAsync(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, IBlobWriter content, CancellationToken cancellationToken)
    {
        var writer = EmbeddedBlobStore.Own(content);
        if (writer.BlobId != message.BlobId)
        {
            throw new ArgumentException("The message must refer to the blob being committed.", nameof(message));
        }

        await writer.PrepareCommitAsync(cancellationToken);
        await _database.WriteAsync(connection =>
        {
            writer.WriteRow(connection);
            Insert(connection, message, recipients);
        });
        writer.MarkCommitted();
    }

    public async ValueTask<IReadOnlyList<QueueDispatch>> ClaimDueAsync(DateTimeOffset now, int maxMessages, TimeSpan lease, CancellationToken cancellationToken)
    {
        var dispatches = new List<QueueDispatch>();
        await using var connection = _database.OpenReader();

        // Oldest due first; more rows than needed are read so that claimed messages can be skipped.
        await using var command = connection.Command(
            $"""
            SELECT {MessageColumns}, {RecipientColumns}
            FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
            WHERE r.state < 2 AND r.next_attempt_at <= @now AND m.held = 0
            ORDER BY r.next_attempt_at, m.id, r.idx
            LIMIT @limit
            """,
            ("@now", now.ToUnixMs()),
            ("@limit", Math.Max(maxMessages, 1) * 64));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var byMessage = new Dictionary<string, (QueuedMessage Message, List<QueuedRecipient> Recipients)>();
        var order = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            if (!byMessage.TryGetValue(id, out var entry))
            {
                if (order.Count >= maxMessages || IsClaimed(id, now))
                {
                    continue;
                }

                entry = (ReadMessage(reader, 0), []);
                byMessage[id] = entry;
                order.Add(id);
            }

            entry.Recipients.Add(ReadRecipient(reader, 13));
        }

        foreach (string id in order)
        {
            if (_claims.TryAdd(id, now + lease) || TryRenewExpired(id, now, lease))
            {
                var (message, recipients) = byMessage[id];
                dispatches.Add(new QueueDispatch(message, recipients));
            }
        }

        return dispatches;
    }

    private bool IsClaimed(string id, DateTimeOffset now) =>
        _claims.TryGetValue(id, out var until) && until > now;

    private bool TryRenewExpired(string id, DateTimeOffset now, TimeSpan lease) =>
        _claims.TryGetValue(id, out var until) && until <= now && _claims.TryUpdate(id, now + lease, until);

    public async ValueTask<bool> CompleteAttemptAsync(string messageId, IReadOnlyList<RecipientUpdate> updates, IReadOnlyList<QueueSubmission> submissions, IReadOnlyList<AppendRequest> appends, CancellationToken cancellationToken)
    {
        var writers = submissions.Where(s => s.Content is not null).Select(s => EmbeddedBlobStore.Own(s.Content!)).ToList();
        foreach (var writer in writers)
        {
            await writer.PrepareCommitAsync(cancellationToken);
        }

        try
        {
            var (removed, unreferenced, filed) = await _database.WriteAsync(connection =>
            {
                // One commit for the mailbox and the queue: a delivery costs one fsync instead of two, and the
                // delivery key still makes a repeated attempt (after a crash before this commit) a no-op.
                var filed = appends.Select(a => EmbeddedMailboxStore.Append(connection, a)).ToList();
                foreach (var update in updates)
                {
                    connection.Execute(
                        """
                        UPDATE queue_recipients
                        SET state = @state, attempts = @attempts, next_attempt_at = @next, last_attempt_at = @last,
                            last_reply = @reply, dsn_status = @status, relay = @relay, delay_warned = @warned
                        WHERE message_id = @id AND idx = @idx
                        """,
                        ("@warned", update.DelayWarned ? 1 : 0),
                        ("@state", (int)update.State),
                        ("@attempts", update.Attempts),
                        ("@next", update.NextAttemptAt.ToUnixMs()),
                        ("@last", update.LastAttemptAt.ToUnixMs()),
                        ("@reply", update.LastReply),
                        ("@status", update.DsnStatus),
                        ("@relay", update.Relay),
                        ("@id", messageId),
                        ("@idx", update.Index));
                }

                foreach (var submission in submissions)
                {
                    if (submission.Content is not null)
                    {
                        EmbeddedBlobStore.Own(submission.Content).WriteRow(connection);
                    }

                    Insert(connection, submission.Message, submission.Recipients);
                }

                int finished = connection.Execute(
                    "DELETE FROM queue_messages WHERE id = @id AND NOT EXISTS (SELECT 1 FROM queue_recipients WHERE message_id = @id AND state < 2)",
                    ("@id", messageId));
                return (finished > 0, _blobs.CollectUnreferenced(connection), filed);
            });
            foreach (var writer in writers)
            {
                writer.MarkCommitted();
            }

            EmbeddedBlobStore.DeleteFiles(unreferenced);
            _mailboxes.PublishAppended(filed);
            return removed;
        }
        finally
        {
            _claims.TryRemove(messageId, out _);
        }
    }

    public ValueTask ReleaseAllClaimsAsync(CancellationToken cancellationToken)
    {
        _claims.Clear();
        return ValueTask.CompletedTask;
    }

    public async ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        var value = connection.Scalar(
            "SELECT MIN(r.next_attempt_at) FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id WHERE r.state < 2 AND m.held = 0");
        return value is long ms ? SqliteExtensions.FromUnixMs(ms) : null;
    }

    public async ValueTask<IReadOnlyList<QueueEntry>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        return await ReadEntriesAsync(connection, null, cancellationToken);
    }

    public async ValueTask<QueueEntry?> GetAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        var entries = await ReadEntriesAsync(connection, messageId, cancellationToken);
        return entries.Count == 0 ? null : entries[0];
    }

    public async ValueTask<bool> DeleteAsync(string messageId, CancellationToken cancellationToken)
    {
        var (deleted, files) = await _database.WriteAsync(connection =>
        {
            int count = connection.Execute("DELETE FROM queue_messages WHERE id = @id", ("@id", messageId));
            return (count > 0, _blobs.CollectUnreferenced(connection));
        });
        EmbeddedBlobStore.DeleteFiles(files);
        return deleted;
    }

    public async ValueTask<bool> SetHeldAsync(string messageId, bool held, CancellationToken cancellationToken) =>
        await _database.WriteAsync(connection =>
            connection.Execute("UPDATE queue_messages SET held = @held WHERE id = @id", ("@held", held ? 1 : 0), ("@id", messageId)) > 0);

    public async ValueTask<int> FlushAsync(string? messageId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await _database.WriteAsync(connection => connection.Execute(
            "UPDATE queue_recipients SET next_attempt_at = @now WHERE state < 2 AND next_attempt_at > @now AND (@id IS NULL OR message_id = @id)",
            ("@now", now.ToUnixMs()),
            ("@id", messageId)));

    private static void Insert(SqliteConnection connection, QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients)
    {
        connection.Execute(
            """
            INSERT INTO queue_messages (id, sender, arrived_at, size, blob_id, origin, client, helo, body_type, smtputf8, dsn_ret, dsn_envid, held)
            VALUES (@id, @sender, @arrived, @size, @blob, @origin, @client, @helo, @body, @utf8, @ret, @envid, @held)
            """,
            ("@id", message.Id),
            ("@sender", message.Sender),
            ("@arrived", message.ArrivedAt.ToUnixMs()),
            ("@size", message.Size),
            ("@blob", message.BlobId),
            ("@origin", message.Origin),
            ("@client", message.Client),
            ("@helo", message.HeloName),
            ("@body", message.BodyType),
            ("@utf8", message.SmtpUtf8 ? 1 : 0),
            ("@ret", message.DsnReturn),
            ("@envid", message.EnvelopeId),
            ("@held", message.Held ? 1 : 0));
        using var command = connection.Command(
            """
            INSERT INTO queue_recipients (message_id, idx, address, orcpt, notify, state, attempts, next_attempt_at, last_attempt_at, last_reply, dsn_status, relay, delay_warned)
            VALUES (@id, @idx, @address, @orcpt, @notify, @state, @attempts, @next, @last, @reply, @status, @relay, @warned)
            """);
        var p = command.Parameters;
        p.AddWithValue("@id", message.Id);
        var idx = p.Add("@idx", SqliteType.Integer);
        var address = p.Add("@address", SqliteType.Text);
        var orcpt = p.Add("@orcpt", SqliteType.Text);
        var notify = p.Add("@notify", SqliteType.Text);
        var state = p.Add("@state", SqliteType.Integer);
        var attempts = p.Add("@attempts", SqliteType.Integer);
        var next = p.Add("@next", SqliteType.Integer);
        var last = p.Add("@last", SqliteType.Integer);
        var reply = p.Add("@reply", SqliteType.Text);
        var status = p.Add("@status", SqliteType.Text);
        var relay = p.Add("@relay", SqliteType.Text);
        var warned = p.Add("@warned", SqliteType.Integer);
        foreach (var recipient in recipients)
        {
            idx.Value = recipient.Index;
            address.Value = recipient.Address;
            orcpt.Value = (object?)recipient.OriginalRecipient ?? DBNull.Value;
            notify.Value = (object?)recipient.Notify ?? DBNull.Value;
            state.Value = (int)recipient.State;
            attempts.Value = recipient.Attempts;
            next.Value = recipient.NextAttemptAt.ToUnixMs();
            last.Value = recipient.LastAttemptAt is { } at ? at.ToUnixMs() : DBNull.Value;
            reply.Value = (object?)recipient.LastReply ?? DBNull.Value;
            status.Value = (object?)recipient.DsnStatus ?? DBNull.Value;
            relay.Value = (object?)recipient.Relay ?? DBNull.Value;
            warned.Value = recipient.DelayWarned ? 1 : 0;
            command.ExecuteNonQuery();
        }
    }

    private static async Task<IReadOnlyList<QueueEntry>> ReadEntriesAsync(SqliteConnection connection, string? messageId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            $"""
            SELECT {MessageColumns}, {RecipientColumns}
            FROM queue_messages m JOIN queue_recipients r ON r.message_id = m.id
            WHERE @id IS NULL OR m.id = @id
            ORDER BY m.arrived_at, m.id, r.idx
            """,
            ("@id", messageId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<QueueEntry>();
        List<QueuedRecipient>? recipients = null;
        string? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            if (id != current)
            {
                current = id;
                recipients = [];
                entries.Add(new QueueEntry(ReadMessage(reader, 0), recipients));
            }

            recipients!.Add(ReadRecipient(reader, 13));
        }

        return entries;
    }

    private static QueuedMessage ReadMessage(SqliteDataReader r, int o) => new()
    {
        Id = r.GetString(o),
        Sender = r.GetString(o + 1),
        ArrivedAt = SqliteExtensions.FromUnixMs(r.GetInt64(o + 2)),
        Size = r.GetInt64(o + 3),
        BlobId = r.GetString(o + 4),
        Origin = r.GetString(o + 5),
        Client = r.GetString(o + 6),
        HeloName = r.GetNullableString(o + 7),
        BodyType = r.GetString(o + 8),
        SmtpUtf8 = r.GetInt64(o + 9) != 0,
        DsnReturn = r.GetNullableString(o + 10),
        EnvelopeId = r.GetNullableString(o + 11),
        Held = r.GetInt64(o + 12) != 0,
    };

    private static QueuedRecipient ReadRecipient(SqliteDataReader r, int o) => new()
    {
        Index = r.GetInt32(o),
        Address = r.GetString(o + 1),
        OriginalRecipient = r.GetNullableString(o + 2),
        Notify = r.GetNullableString(o + 3),
        State = (RecipientState)r.GetInt32(o + 4),
        Attempts = r.GetInt32(o + 5),
        NextAttemptAt = SqliteExtensions.FromUnixMs(r.GetInt64(o + 6)),
        LastAttemptAt = r.GetNullableInt64(o + 7) is { } last ? SqliteExtensions.FromUnixMs(last) : null,
        LastReply = r.GetNullableString(o + 8),
        DsnStatus = r.GetNullableString(o + 9),
        Relay = r.GetNullableString(o + 10),
        DelayWarned = r.GetInt64(o + 11) != 0,
    };
}
