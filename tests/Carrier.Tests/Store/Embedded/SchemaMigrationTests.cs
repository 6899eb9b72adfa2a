using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Carrier.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Store.Embedded;

/// <summary>
/// A store written by an older Carrier opens, upgrades to the current schema and keeps its data. Each older
/// version is built with that version's own migrations and filled with rows as that version wrote them.
/// </summary>
public sealed class SchemaMigrationTests : IDisposable
{
    private const string BlobId = "01OLDBLOB0000001";
    private const string QueueId = "01OLDQUEUE000001";
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Subject: old\r\n\r\nbody\r\n");
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("Delivered-To: alice@local.test\r\n");

    /// <summary>
    /// Rows as each older version wrote them. A new migration makes the previous latest version an older
    /// one: add its case here (the guard test below fails until then).
    /// </summary>
    private static readonly Dictionary<int, string[]> RowsWrittenAt = new()
    {
        [1] = VersionOneRows(),
        [2] = [.. VersionOneRows(), "UPDATE queue_recipients SET delay_warned = 1"],
        [3] = [.. VersionOneRows(), "UPDATE queue_recipients SET delay_warned = 1", $"UPDATE blobs SET summary = 'old summary' WHERE id = '{BlobId}'"],
    };

    /// <summary>SHA-256 of each released migration's SQL: a released migration is never edited, a change is a new one.</summary>
    private static readonly Dictionary<int, string> ReleasedMigrationHashes = new()
    {
        [1] = "B747D766E9161981160C58AD24DD0D4308EFA5A190EA8B8B855B0AA26C4E2C0B",
        [2] = "533A78CD6434E12A08A4EE9F64EE65234D6C36FBEEA20F184A516DC942DE449D",
        [3] = "9EFC300944181035990E697D17BBFF31743E08264B9864308706AD2AE72DAC16",
        [4] = "AE93B944062840221C86BD4E5B9AC52B9D6860037DDB55B4BA5D49BCA23CAD33",
    };

    private readonly TempDirectory _directory = new("schema");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public static TheoryData<int> OlderVersions => [.. Enumerable.Range(1, Schema.LatestVersion - 1)];

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Every_older_schema_version_has_an_upgrade_case()
    {
        Assert.Equal(Enumerable.Range(1, Schema.LatestVersion - 1), RowsWrittenAt.Keys.Order());
    }

    [Fact]
    public void Migrations_are_numbered_one_by_one_and_released_ones_are_unchanged()
    {
        Assert.Equal(Enumerable.Range(1, Schema.Migrations.Count), Schema.Migrations.Select(m => m.Version));
        foreach (var migration in Schema.Migrations)
        {
            Assert.True(ReleasedMigrationHashes.TryGetValue(migration.Version, out string? pinned), $"pin the SQL hash of migration {migration.Version} once it is released");
            Assert.Equal(pinned, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(migration.Sql))));
        }
    }

    [Theory]
    [MemberData(nameof(OlderVersions))]
    public async Task A_store_at_an_older_version_upgrades_and_keeps_its_data(int version)
    {
        CreateDatabaseAt(version, RowsWrittenAt[version]);
        var logs = new CapturingLoggerProvider();
        await using (var store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), _time, logs.CreateFactory().CreateLogger("store")))
        {
            for (int upgraded = version + 1; upgraded <= Schema.LatestVersion; upgraded++)
            {
                Assert.Contains(logs.Lines, l => l.Contains($"upgraded to schema version {upgraded} ", StringComparison.Ordinal));
            }

            var account = (await store.Accounts.GetAccountAsync("alice@local.test", CancellationToken.None))!;
            Assert.Equal((1L, "hash"), (account.Id, account.PasswordHash));
            Assert.Equal(["local.test"], await store.Accounts.ListDomainsAsync(CancellationToken.None));
            Assert.Equal(["alice@local.test"], await store.Accounts.GetAliasTargetsAsync("team@local.test", CancellationToken.None));

            var inbox = (await store.Mailboxes.GetMailboxAsync(1, "INBOX", CancellationToken.None))!;
            Assert.Equal((1700000001u, 3u, 5ul, 1), (inbox.UidValidity, inbox.UidNext, inbox.HighestModSeq, inbox.MessageCount));
            var message = Assert.Single(await store.Mailboxes.ListMessagesAsync(inbox.Id, CancellationToken.None));
            Assert.Equal((2u, 4ul, MessageFlags.Seen), (message.Uid, message.ModSeq, message.Flags));
            Assert.Equal(["Work"], message.Keywords);
            await using (var content = (await store.Mailboxes.OpenMessageAsync(inbox.Id, 2, CancellationToken.None))!)
            using (var copy = new MemoryStream())
            {
                await content.CopyToAsync(copy);
                Assert.Equal([.. Prefix, .. Body], copy.ToArray());
            }

            var entry = (await store.Queue.GetAsync(QueueId, CancellationToken.None))!;
            var recipient = Assert.Single(entry.Recipients);
            Assert.Equal((RecipientState.Deferred, 2, "451 4.3.0 later"), (recipient.State, recipient.Attempts, recipient.LastReply));
            Assert.Equal(version >= 2, recipient.DelayWarned);

            // What the later versions added works on the old rows: expunge records, summaries.
            await store.Mailboxes.StoreFlagsAsync(inbox.Id, [2], FlagOperation.Add, MessageFlags.Deleted, [], null, CancellationToken.None);
            Assert.Equal([2u], await store.Mailboxes.ExpungeAsync(inbox.Id, null, CancellationToken.None));
            Assert.Equal([2u], await store.Mailboxes.ListExpungedSinceAsync(inbox.Id, 5, CancellationToken.None));
            await store.Blobs.SetSummaryAsync(BlobId, "summary", CancellationToken.None);
            Assert.Equal("summary", (await store.Blobs.GetSummariesAsync([BlobId], CancellationToken.None))[BlobId]);

            // The queue entry still holds the content the expunged message shared with it.
            await using var queued = await store.Blobs.OpenReadAsync(BlobId, CancellationToken.None);
            Assert.Equal(Body.Length, queued.Length);
        }

        Assert.Equal(Schema.LatestVersion, ReadVersion());
    }

    [Fact]
    public async Task A_new_store_starts_at_the_latest_version_and_a_reopen_upgrades_nothing()
    {
        await using (EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), _time, NullLogger.Instance))
        {
        }

        Assert.Equal(Schema.LatestVersion, ReadVersion());
        var logs = new CapturingLoggerProvider();
        await using (EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), _time, logs.CreateFactory().CreateLogger("store")))
        {
        }

        Assert.DoesNotContain(logs.Lines, l => l.Contains("upgraded", StringComparison.Ordinal));
    }

    [Fact]
    public void A_store_from_a_newer_carrier_is_refused()
    {
        CreateDatabaseAt(Schema.LatestVersion, [$"PRAGMA user_version = {Schema.LatestVersion + 1}"]);
        var refusal = Assert.Throws<StoreException>(() => EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), _time, NullLogger.Instance));
        Assert.Contains($"schema version {Schema.LatestVersion + 1}", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(Schema.LatestVersion + 1, ReadVersion());
    }

    private string DatabasePath => Path.Combine(_directory.Path, EmbeddedStore.DatabaseFileName);

    private void CreateDatabaseAt(int version, IEnumerable<string> rows)
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            Schema.Migrate(connection, NullLogger.Instance, target: version);
            Assert.Equal(version, Schema.GetVersion(connection));
            foreach (string sql in rows)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
        }
    }

    private int ReadVersion()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return Schema.GetVersion(connection);
    }

    private static string[] VersionOneRows()
    {
        string body = Convert.ToHexString(Body);
        string prefix = Convert.ToHexString(Prefix);
        long size = Body.Length + Prefix.Length;
        return
        [
            "INSERT INTO settings (name, value) VALUES ('last_uid_validity', '1700000002')",
            "INSERT INTO domains (name, created_at) VALUES ('local.test', 1700000000000)",
            "INSERT INTO accounts (id, address, password_hash, created_at) VALUES (1, 'alice@local.test', 'hash', 1700000000000)",
            "INSERT INTO aliases (address, target) VALUES ('team@local.test', 'alice@local.test')",
            $"INSERT INTO blobs (id, size, in_file, data, refs, created_at) VALUES ('{BlobId}', {Body.Length}, 0, X'{body}', 0, 1700000000000)",
            "INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq, special_use) VALUES (1, 1, 'INBOX', 1700000001, 3, 5, NULL)",
            "INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq, special_use) VALUES (2, 1, 'Sent', 1700000002, 1, 1, '\\Sent')",
            string.Create(
                CultureInfo.InvariantCulture,
                $"INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, size, blob_id, header_prefix, delivery_key) VALUES (1, 2, 4, 1, 'Work', 1700000000000, {size}, '{BlobId}', X'{prefix}', '{QueueId}/0/1')"),
            $"INSERT INTO queue_messages (id, sender, arrived_at, size, blob_id, origin, client, helo, body_type, smtputf8, dsn_ret, dsn_envid, held) VALUES ('{QueueId}', 'bob@example.org', 1700000000000, {Body.Length}, '{BlobId}', 'smtp', 'unknown[192.0.2.9]', 'client.example', '7BIT', 0, NULL, NULL, 0)",
            $"INSERT INTO queue_recipients (message_id, idx, address, orcpt, notify, state, attempts, next_attempt_at, last_attempt_at, last_reply, dsn_status, relay) VALUES ('{QueueId}', 0, 'carol@example.net', NULL, NULL, 1, 2, 1700000600000, 1700000300000, '451 4.3.0 later', '4.3.0', 'mx.example.net[192.0.2.1]:25')",
        ];
    }
}
