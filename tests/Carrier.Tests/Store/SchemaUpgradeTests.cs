using System.Text;
using Carrier.Store.Embedded;
using Carrier.Store.Mailboxes;
using Carrier.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Tests.Store;

/// <summary>A store written by the previous schema version opens with its mail intact.</summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private const string Content = "From: bob@example.org\r\nSubject: kept\r\n\r\nstill here\r\n";

    private readonly TempDirectory _directory = new("store-upgrade");

    public void Dispose() => _directory.Dispose();

    private static CancellationToken None => CancellationToken.None;

    /// <summary>A version 3 store with one account, three messages in INBOX sharing one inline blob.</summary>
    private void CreateVersion3Store()
    {
        string path = _directory.Combine(EmbeddedStore.DatabaseFileName);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Schema.Migrate(connection, NullLogger.Instance, target: 3);
            Assert.Equal(3, Schema.GetVersion(connection));
            connection.Execute("INSERT INTO accounts (id, address, password_hash, created_at) VALUES (1, 'alice@local.test', 'hash', 0)");
            connection.Execute("INSERT INTO mailboxes (id, account_id, name, uid_validity, uid_next, highest_modseq) VALUES (10, 1, 'INBOX', 1000, 4, 4)");
            connection.Execute("INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (11, 1, 'Archive', 1001)");
            connection.Execute(
                "INSERT INTO blobs (id, size, in_file, data, refs, created_at) VALUES ('01BLOB', @size, 0, @data, 0, 0)",
                ("@size", Content.Length),
                ("@data", Encoding.ASCII.GetBytes(Content)));
            for (int uid = 1; uid <= 3; uid++)
            {
                connection.Execute(
                    "INSERT INTO messages (mailbox_id, uid, modseq, internal_date, size, blob_id) VALUES (10, @uid, @uid, 0, @size, '01BLOB')",
                    ("@uid", uid),
                    ("@size", Content.Length));
            }
        }

        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Version_3_store_keeps_its_messages_counts_and_content_after_the_upgrade()
    {
        CreateVersion3Store();

        await using var store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);

        Assert.Equal(4, EmbeddedStore.SchemaVersion);
        var mailboxes = await store.Mailboxes.ListMailboxesAsync(1, None);
        Assert.Equal(3, mailboxes.Single(m => m.Name == "INBOX").MessageCount);
        Assert.Equal(0, mailboxes.Single(m => m.Name == "Archive").MessageCount);
        foreach (uint uid in new uint[] { 1, 2, 3 })
        {
            await using var message = await store.Mailboxes.OpenMessageAsync(10, uid, None);
            using var reader = new StreamReader(message!);
            Assert.Equal(Content, await reader.ReadToEndAsync());
        }
    }

    [Fact]
    public async Task An_upgraded_store_counts_and_collects_as_a_new_one_does()
    {
        CreateVersion3Store();
        await using var store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);

        await store.Mailboxes.CopyAsync(10, [1, 2, 3], 11, move: true, None);
        Assert.Equal(0, (await store.Mailboxes.GetMailboxAsync(1, "INBOX", None))!.MessageCount);
        Assert.Equal(3, (await store.Mailboxes.GetMailboxAsync(1, "Archive", None))!.MessageCount);

        await store.Mailboxes.StoreFlagsAsync(11, [1, 2, 3], FlagOperation.Add, MessageFlags.Deleted, [], null, None);
        await store.Mailboxes.ExpungeAsync(11, null, None);

        Assert.Equal(0, (await store.Mailboxes.GetMailboxAsync(1, "Archive", None))!.MessageCount);
        await Assert.ThrowsAsync<Carrier.Store.StoreException>(async () => await store.Blobs.OpenReadAsync("01BLOB", None));
    }
}
