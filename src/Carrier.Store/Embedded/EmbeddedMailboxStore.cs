using System.Runtime.CompilerServices;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

internal sealed class EmbeddedMailboxStore : IMailboxStore
{
    private const string MailboxColumns =
        "b.id, b.account_id, b.name, b.uid_validity, b.uid_next, b.highest_modseq, b.special_use, b.subscribed, b.message_count";

    private readonly SqliteDatabase _database;
    private readonly EmbeddedBlobStore _blobs;
    private readonly TimeProvider _time;

    public EmbeddedMailboxStore(SqliteDatabase database, EmbeddedBlobStore blobs, TimeProvider time)
    {
        _database = database;
        _blobs = blobs;
        _time = time;
    }

    public MailboxChangeNotifier Changes { get; } = new();

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

    public ValueTask<IReadOnlyList<AppendResult>> AppendAsync(IReadOnlyList<AppendRequest> requests, IBlobWriter? newContent, CancellationToken cancellationToken) =>
        AppendManyAsync(requests, newContent is null ? [] : [newContent], cancellationToken);

    public async ValueTask<IReadOnlyList<AppendResult>> AppendManyAsync(IReadOnlyList<AppendRequest> requests, IReadOnlyList<IBlobWriter> newContents, CancellationToken cancellationToken)
    {
        var writers = newContents.Select(EmbeddedBlobStore.Own).ToList();
        foreach (var writer in writers)
        {
            await writer.PrepareCommitAsync(cancellationToken);
        }

        var results = await _database.WriteAsync(connection =>
        {
            foreach (var writer in writers)
            {
                writer.WriteRow(connection);
            }

            var appended = new List<AppendResult>(requests.Count);
            foreach (var request in requests)
            {
                appended.Add(Append(connection, request));
            }

            return appended;
        });
        foreach (var writer in writers)
        {
            writer.MarkCommitted();
        }

        PublishAppended(results);
        return results;
    }

    /// <summary>Wakes the sessions watching mailboxes that got new messages (after the commit).</summary>
    internal void PublishAppended(IEnumerable<AppendResult> results)
    {
        foreach (long mailbox in results.Where(r => !r.AlreadyPresent).Select(r => r.MailboxId).Distinct())
        {
            Changes.Publish(mailbox);
        }
    }

    internal static AppendResult Append(SqliteConnection connection, AppendRequest request)
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
        return await ReadMessagesAsync(command, mailboxId, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<MessageInfo>> ListChangedSinceAsync(long mailboxId, ulong modSeq, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT uid, modseq, flags, keywords, internal_date, size, blob_id FROM messages WHERE mailbox_id = @mailbox AND modseq > @modseq ORDER BY uid",
            ("@mailbox", mailboxId),
            ("@modseq", (long)modSeq));
        return await ReadMessagesAsync(command, mailboxId, cancellationToken);
    }

    private static async Task<List<MessageInfo>> ReadMessagesAsync(SqliteCommand command, long mailboxId, CancellationToken cancellationToken)
    {
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

    public async IAsyncEnumerable<MessageStart> ReadMessageStartsAsync(long mailboxId, uint fromUid, uint toUid, int length, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            """
            SELECT m.uid, m.header_prefix, b.in_file, substr(c.data, 1, @length), m.blob_id
            FROM messages m JOIN blobs b ON b.id = m.blob_id LEFT JOIN blob_contents c ON c.id = m.blob_id
            WHERE m.mailbox_id = @mailbox AND m.uid BETWEEN @from AND @to ORDER BY m.uid
            """,
            ("@mailbox", mailboxId),
            ("@from", (long)fromUid),
            ("@to", (long)toUid),
            ("@length", length));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            byte[] prefix = reader.IsDBNull(1) ? [] : reader.GetFieldValue<byte[]>(1);
            if (reader.GetInt64(2) == 0)
            {
                byte[] data = reader.IsDBNull(3) ? [] : reader.GetFieldValue<byte[]>(3);
                byte[] joined = prefix.Length == 0 ? data : [.. prefix, .. data];
                yield return new MessageStart((uint)reader.GetInt64(0), joined.AsMemory(0, Math.Min(length, joined.Length)));
                continue;
            }

            var start = new byte[length];
            int filled = Math.Min(prefix.Length, length);
            prefix.AsSpan(0, filled).CopyTo(start);
            if (filled < length)
            {
                try
                {
                    await using var file = new FileStream(_blobs.PathOf(reader.GetString(4)), FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
                    filled += await file.ReadAtLeastAsync(start.AsMemory(filled), length - filled, throwOnEndOfStream: false, cancellationToken);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    // Expunged and collected since this read began: the message is gone, as for a reader that came later.
                    continue;
                }
            }

            yield return new MessageStart((uint)reader.GetInt64(0), start.AsMemory(0, filled));
        }
    }

    public async ValueTask<MailboxInfo> CreateMailboxAsync(long accountId, string name, string? specialUse, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _database.WriteAsync(c =>
        {
            if (c.Scalar("SELECT 1 FROM mailboxes WHERE account_id = @account AND name = @name", ("@account", accountId), ("@name", name)) is not null)
            {
                throw new StoreException($"Mailbox {name} already exists.");
            }

            c.Execute(
                "INSERT INTO mailboxes (account_id, name, uid_validity, special_use) VALUES (@account, @name, @validity, @special)",
                ("@account", accountId),
                ("@name", name),
                ("@validity", EmbeddedAccountStore.NextUidValidity(c, now)),
                ("@special", specialUse));
        });
        return (await GetMailboxAsync(accountId, name, cancellationToken))!;
    }

    public async ValueTask<bool> DeleteMailboxAsync(long accountId, string name, CancellationToken cancellationToken)
    {
        var (id, files) = await _database.WriteAsync(c =>
        {
            if (c.Scalar("SELECT id FROM mailboxes WHERE account_id = @account AND name = @name", ("@account", accountId), ("@name", name)) is not long mailbox)
            {
                return ((long?)null, new List<string>());
            }

            c.Execute("DELETE FROM mailboxes WHERE id = @id", ("@id", mailbox));
            return (mailbox, _blobs.CollectUnreferenced(c));
        });
        EmbeddedBlobStore.DeleteFiles(files);
        if (id is { } deleted)
        {
            Changes.Publish(deleted);
        }

        return id is not null;
    }

    public async ValueTask RenameMailboxAsync(long accountId, string from, string to, char delimiter, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var changed = await _database.WriteAsync(c =>
        {
            if (c.Scalar("SELECT id FROM mailboxes WHERE account_id = @account AND name = @name", ("@account", accountId), ("@name", from)) is not long source)
            {
                throw new StoreException($"Mailbox {from} does not exist.");
            }

            if (c.Scalar("SELECT 1 FROM mailboxes WHERE account_id = @account AND name = @name", ("@account", accountId), ("@name", to)) is not null)
            {
                throw new StoreException($"Mailbox {to} already exists.");
            }

            if (from == "INBOX")
            {
                long target = (long)c.Scalar(
                    "INSERT INTO mailboxes (account_id, name, uid_validity) VALUES (@account, @name, @validity) RETURNING id",
                    ("@account", accountId),
                    ("@name", to),
                    ("@validity", EmbeddedAccountStore.NextUidValidity(c, now)))!;
                CopyMessages(c, source, ReadUids(c, source), target, move: true);
                return new List<long> { source, target };
            }

            // A mailbox below the source may land on a name that is taken (Work/2026 onto an existing Jobs/2026).
            if (c.Scalar(
                    "SELECT @to || substr(name, length(@from) + 1) FROM mailboxes WHERE account_id = @account AND substr(name, 1, length(@prefix)) = @prefix " +
                    "AND @to || substr(name, length(@from) + 1) IN (SELECT name FROM mailboxes WHERE account_id = @account) LIMIT 1",
                    ("@account", accountId),
                    ("@from", from),
                    ("@to", to),
                    ("@prefix", from + delimiter)) is string taken)
            {
                throw new StoreException($"Mailbox {taken} already exists.");
            }

            c.Execute(
                "UPDATE mailboxes SET name = @to || substr(name, length(@from) + 1) WHERE account_id = @account AND (name = @from OR substr(name, 1, length(@prefix)) = @prefix)",
                ("@account", accountId),
                ("@from", from),
                ("@to", to),
                ("@prefix", from + delimiter));
            return new List<long> { source };
        });
        foreach (long mailbox in changed)
        {
            Changes.Publish(mailbox);
        }
    }

    public async ValueTask<bool> SetSubscribedAsync(long accountId, string name, bool subscribed, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute(
            "UPDATE mailboxes SET subscribed = @subscribed WHERE account_id = @account AND name = @name",
            ("@subscribed", subscribed ? 1 : 0),
            ("@account", accountId),
            ("@name", name)) > 0);

    public async ValueTask<FlagUpdateResult> StoreFlagsAsync(long mailboxId, IReadOnlyCollection<uint> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        var result = await _database.WriteAsync(c => StoreFlags(c, mailboxId, uids, operation, flags, keywords, unchangedSince));
        if (result.Changed.Count > 0)
        {
            Changes.Publish(mailboxId);
        }

        return result;
    }

    private static FlagUpdateResult StoreFlags(SqliteConnection c, long mailboxId, IReadOnlyCollection<uint> uids, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords, ulong? unchangedSince)
    {
        var changed = new List<MessageInfo>();
        var conflicts = new List<uint>();
        long highest = c.Scalar("SELECT highest_modseq FROM mailboxes WHERE id = @id", ("@id", mailboxId)) as long?
            ?? throw new StoreException($"Mailbox {mailboxId} does not exist.");
        using var read = c.Command("SELECT flags, keywords, modseq, internal_date, size, blob_id FROM messages WHERE mailbox_id = @mailbox AND uid = @uid");
        read.Parameters.AddWithValue("@mailbox", mailboxId);
        var readUid = read.Parameters.Add("@uid", SqliteType.Integer);
        using var write = c.Command("UPDATE messages SET flags = @flags, keywords = @keywords, modseq = @modseq WHERE mailbox_id = @mailbox AND uid = @uid");
        write.Parameters.AddWithValue("@mailbox", mailboxId);
        var writeFlags = write.Parameters.Add("@flags", SqliteType.Integer);
        var writeKeywords = write.Parameters.Add("@keywords", SqliteType.Text);
        var writeModseq = write.Parameters.Add("@modseq", SqliteType.Integer);
        var writeUid = write.Parameters.Add("@uid", SqliteType.Integer);
        foreach (uint uid in uids)
        {
            readUid.Value = (long)uid;
            MessageInfo current;
            using (var reader = read.ExecuteReader())
            {
                if (!reader.Read())
                {
                    continue;
                }

                current = new MessageInfo(
                    mailboxId,
                    uid,
                    (ulong)reader.GetInt64(2),
                    (MessageFlags)reader.GetInt32(0),
                    reader.GetNullableString(1)?.Split(' ') ?? [],
                    SqliteExtensions.FromUnixMs(reader.GetInt64(3)),
                    reader.GetInt64(4),
                    reader.GetString(5));
            }

            if (unchangedSince is { } since && current.ModSeq > since)
            {
                conflicts.Add(uid);
                continue;
            }

            var (newFlags, newKeywords) = ApplyFlags(current.Flags, current.Keywords, operation, flags, keywords);
            if (newFlags == current.Flags && newKeywords.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(current.Keywords.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            highest++;
            writeFlags.Value = (int)newFlags;
            writeKeywords.Value = newKeywords.Count == 0 ? DBNull.Value : string.Join(' ', newKeywords);
            writeModseq.Value = highest;
            writeUid.Value = (long)uid;
            write.ExecuteNonQuery();
            changed.Add(current with { ModSeq = (ulong)highest, Flags = newFlags, Keywords = newKeywords });
        }

        c.Execute("UPDATE mailboxes SET highest_modseq = @highest WHERE id = @id", ("@highest", highest), ("@id", mailboxId));
        return new FlagUpdateResult(changed, conflicts);
    }

    private static (MessageFlags Flags, List<string> Keywords) ApplyFlags(MessageFlags current, IReadOnlyList<string> currentKeywords, FlagOperation operation, MessageFlags flags, IReadOnlyList<string> keywords) =>
        operation switch
        {
            FlagOperation.Add => (current | flags, currentKeywords.Union(keywords, StringComparer.OrdinalIgnoreCase).ToList()),
            FlagOperation.Remove => (current & ~flags, currentKeywords.Except(keywords, StringComparer.OrdinalIgnoreCase).ToList()),
            _ => (flags, keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToList()),
        };

    public async ValueTask<IReadOnlyList<uint>> ExpungeAsync(long mailboxId, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken)
    {
        var (expunged, files) = await _database.WriteAsync(c =>
        {
            var deleted = ReadUids(c, mailboxId, onlyDeleted: true);
            if (uids is not null)
            {
                var wanted = uids.ToHashSet();
                deleted = [.. deleted.Where(wanted.Contains)];
            }

            RemoveMessages(c, mailboxId, deleted);
            return (deleted, _blobs.CollectUnreferenced(c));
        });
        EmbeddedBlobStore.DeleteFiles(files);
        if (expunged.Count > 0)
        {
            Changes.Publish(mailboxId);
        }

        return expunged;
    }

    public async ValueTask<IReadOnlyList<(uint Source, uint Target)>> CopyAsync(long sourceMailboxId, IReadOnlyCollection<uint> uids, long targetMailboxId, bool move, CancellationToken cancellationToken)
    {
        var mapping = await _database.WriteAsync(c => CopyMessages(c, sourceMailboxId, [.. uids.Order()], targetMailboxId, move));
        if (mapping.Count > 0)
        {
            Changes.Publish(targetMailboxId);
            if (move)
            {
                Changes.Publish(sourceMailboxId);
            }
        }

        return mapping;
    }

    public async ValueTask<IReadOnlyList<uint>> ListExpungedSinceAsync(long mailboxId, ulong modSeq, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT uid FROM expunged WHERE mailbox_id = @mailbox AND modseq > @modseq ORDER BY uid",
            ("@mailbox", mailboxId),
            ("@modseq", (long)modSeq));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<uint>();
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((uint)reader.GetInt64(0));
        }

        return result;
    }

    private static List<(uint Source, uint Target)> CopyMessages(SqliteConnection c, long source, List<uint> uids, long target, bool move)
    {
        var mapping = new List<(uint Source, uint Target)>();
        foreach (uint uid in uids)
        {
            if (c.Scalar("SELECT 1 FROM messages WHERE mailbox_id = @source AND uid = @uid", ("@source", source), ("@uid", (long)uid)) is null)
            {
                continue;
            }

            long newUid;
            long modseq;
            using (var allocate = c.Command(
                "UPDATE mailboxes SET uid_next = uid_next + 1, highest_modseq = highest_modseq + 1 WHERE id = @target RETURNING uid_next - 1, highest_modseq",
                ("@target", target)))
            using (var reader = allocate.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw new StoreException($"Mailbox {target} does not exist.");
                }

                newUid = reader.GetInt64(0);
                modseq = reader.GetInt64(1);
            }

            c.Execute(
                "INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, blob_id, header_prefix) " +
                "SELECT @target, @newUid, @modseq, flags, keywords, internal_date, size, blob_id, header_prefix FROM messages WHERE mailbox_id = @source AND uid = @uid",
                ("@target", target),
                ("@newUid", newUid),
                ("@modseq", modseq),
                ("@source", source),
                ("@uid", (long)uid));
            mapping.Add((uid, (uint)newUid));
        }

        if (move)
        {
            RemoveMessages(c, source, [.. mapping.Select(m => m.Source)]);
        }

        return mapping;
    }

    private static void RemoveMessages(SqliteConnection c, long mailboxId, List<uint> uids)
    {
        if (uids.Count == 0)
        {
            return;
        }

        long highest = (long)c.Scalar("SELECT highest_modseq FROM mailboxes WHERE id = @id", ("@id", mailboxId))!;
        foreach (uint uid in uids)
        {
            highest++;
            c.Execute("DELETE FROM messages WHERE mailbox_id = @mailbox AND uid = @uid", ("@mailbox", mailboxId), ("@uid", (long)uid));
            c.Execute(
                "INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (@mailbox, @uid, @modseq)",
                ("@mailbox", mailboxId),
                ("@uid", (long)uid),
                ("@modseq", highest));
        }

        c.Execute("UPDATE mailboxes SET highest_modseq = @highest WHERE id = @id", ("@highest", highest), ("@id", mailboxId));
    }

    private static List<uint> ReadUids(SqliteConnection c, long mailboxId, bool onlyDeleted = false)
    {
        using var command = c.Command(
            "SELECT uid FROM messages WHERE mailbox_id = @mailbox AND (@deleted = 0 OR (flags & 8) != 0) ORDER BY uid",
            ("@mailbox", mailboxId),
            ("@deleted", onlyDeleted ? 1 : 0));
        using var reader = command.ExecuteReader();
        var uids = new List<uint>();
        while (reader.Read())
        {
            uids.Add((uint)reader.GetInt64(0));
        }

        return uids;
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
