using Carrier.Store.Accounts;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging;

namespace Carrier.Store.Embedded;

/// <summary>Settings of the embedded store.</summary>
public sealed class EmbeddedStoreOptions
{
    /// <summary>
    /// Content up to this size is stored in the database with its queue entry (one fsync for both);
    /// larger content goes to a file. 64 KiB keeps the buffers off .NET's large object heap.
    /// </summary>
    public int InlineBlobMaxBytes { get; init; } = 64 * 1024;
}

/// <summary>
/// The zero-set-up store: <c>carrier.db</c> (SQLite, WAL) and <c>blobs/</c> in the data directory.
/// </summary>
public sealed class EmbeddedStore : ICarrierStore
{
    public const string DatabaseFileName = "carrier.db";
    public const string BlobDirectoryName = "blobs";

    private readonly SqliteDatabase _database;

    private EmbeddedStore(SqliteDatabase database, EmbeddedBlobStore blobs, TimeProvider time)
    {
        _database = database;
        Blobs = blobs;
        var mailboxes = new EmbeddedMailboxStore(database, blobs, time);
        Mailboxes = mailboxes;
        Queue = new EmbeddedQueueStore(database, blobs, mailboxes);
        Accounts = new EmbeddedAccountStore(database, blobs, time);
    }

    public IBlobStore Blobs { get; }

    public IQueueStore Queue { get; }

    public IMailboxStore Mailboxes { get; }

    public IAccountStore Accounts { get; }

    public static int SchemaVersion => Schema.LatestVersion;

    /// <summary>Opens the store in <paramref name="dataDirectory"/>, creating and upgrading it as needed.</summary>
    public static EmbeddedStore Open(string dataDirectory, EmbeddedStoreOptions options, TimeProvider time, ILogger logger)
    {
        Directory.CreateDirectory(dataDirectory);
        string blobRoot = Path.Combine(dataDirectory, BlobDirectoryName);
        Directory.CreateDirectory(blobRoot);
        var database = SqliteDatabase.Open(Path.Combine(dataDirectory, DatabaseFileName), logger);
        var blobs = new EmbeddedBlobStore(database, blobRoot, options.InlineBlobMaxBytes, time);
        return new EmbeddedStore(database, blobs, time);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
