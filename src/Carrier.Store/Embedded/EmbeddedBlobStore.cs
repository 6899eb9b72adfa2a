using Carrier.Store.Blobs;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

/// <summary>
/// Blobs of the embedded store: content up to <see cref="EmbeddedStoreOptions.InlineBlobMaxBytes"/> is a row
/// in the same transaction as the queue entry that refers to it (one fsync for both); larger content is a file
/// under <c>blobs/</c>, fsync'd with its directory before that transaction commits. Inline content lives in
/// <c>blob_contents</c>, apart from the <c>blobs</c> row whose reference count changes with every use.
/// </summary>
internal sealed class EmbeddedBlobStore : IBlobStore
{
    // A file blob without references is kept this long before collection: it may still be on its way in.
    internal static readonly TimeSpan PendingGrace = TimeSpan.FromHours(24);

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    public EmbeddedBlobStore(SqliteDatabase database, string root, int inlineMaxBytes, TimeProvider time)
    {
        _database = database;
        Root = root;
        InlineMaxBytes = inlineMaxBytes;
        _time = time;
    }

    public string Root { get; }

    public int InlineMaxBytes { get; }

    public IBlobWriter CreateWriter() => new EmbeddedBlobWriter(this, Identifiers.New(_time));

    public async ValueTask<Stream> OpenReadAsync(string blobId, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT b.in_file, c.data FROM blobs b LEFT JOIN blob_contents c ON c.id = b.id WHERE b.id = @id",
            ("@id", blobId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new StoreException($"Blob {blobId} does not exist.");
        }

        if (reader.GetInt64(0) == 0)
        {
            var data = reader.IsDBNull(1) ? [] : reader.GetFieldValue<byte[]>(1);
            return new MemoryStream(data, writable: false);
        }

        return new FileStream(PathOf(blobId), FileMode.Open, FileAccess.Read, FileShare.Read, 16384, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    public async ValueTask<IReadOnlyDictionary<string, string>> GetSummariesAsync(IReadOnlyCollection<string> blobIds, CancellationToken cancellationToken)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (blobIds.Count == 0)
        {
            return summaries;
        }

        // One query for all of them (a FETCH asks for a screenful of messages at a time).
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT id, summary FROM blobs WHERE id IN (SELECT value FROM json_each(@ids)) AND summary IS NOT NULL",
            ("@ids", System.Text.Json.JsonSerializer.Serialize(blobIds.Distinct(StringComparer.Ordinal).ToArray(), StoreJson.Default.StringArray)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            summaries[reader.GetString(0)] = reader.GetString(1);
        }

        return summaries;
    }

    public async ValueTask SetSummaryAsync(string blobId, string summary, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute("UPDATE blobs SET summary = @summary WHERE id = @id", ("@summary", summary), ("@id", blobId)));

    internal string PathOf(string blobId) => Path.Combine(Root, Fanout(blobId), blobId);

    internal string DirectoryOf(string blobId) => Path.Combine(Root, Fanout(blobId));

    internal long Now => _time.GetUtcNow().ToUnixMs();

    internal Task RegisterPendingFileAsync(string blobId) =>
        _database.WriteAsync(c => c.Execute(
            "INSERT INTO blobs (id, size, in_file, refs, created_at) VALUES (@id, 0, 1, 0, @now)",
            ("@id", blobId),
            ("@now", Now)));

    internal Task ForgetPendingFileAsync(string blobId) =>
        _database.WriteAsync(c => c.Execute("DELETE FROM blobs WHERE id = @id AND refs <= 0", ("@id", blobId)));

    /// <summary>
    /// Deletes blobs nothing refers to any more, inside the caller's write; returns the files to remove once
    /// the transaction has committed.
    /// </summary>
    /// <remarks>
    /// A file blob still on its way in has size 0 until its commit records the size; a committed file blob is
    /// never empty (it is larger than the inline limit). So size tells a pending file, which is kept for the
    /// grace period, from a committed one whose last reference just went.
    /// </remarks>
    internal List<string> CollectUnreferenced(SqliteConnection connection)
    {
        long cutoff = (_time.GetUtcNow() - PendingGrace).ToUnixMs();
        var files = new List<string>();
        using var command = connection.Command(
            "DELETE FROM blobs WHERE refs <= 0 AND (in_file = 0 OR size > 0 OR created_at < @cutoff) RETURNING id, in_file",
            ("@cutoff", cutoff));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (reader.GetInt64(1) == 1)
            {
                files.Add(PathOf(reader.GetString(0)));
            }
        }

        return files;
    }

    internal static void DeleteFiles(IEnumerable<string> files)
    {
        foreach (string file in files)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Left for the next collection; a stray file costs space, not correctness.
            }
        }
    }

    internal static EmbeddedBlobWriter Own(IBlobWriter writer) =>
        writer as EmbeddedBlobWriter ?? throw new ArgumentException("The blob writer belongs to another store.", nameof(writer));

    // The random tail of the id spreads files evenly over 1024 directories.
    private static string Fanout(string blobId) => blobId[^2..];
}

/// <summary>Lists of identifiers passed to SQLite as one JSON array parameter (read with <c>json_each</c>).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class StoreJson : System.Text.Json.Serialization.JsonSerializerContext;
