using Carrier.Store.Blobs;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

/// <summary>
/// Buffers content in memory up to the inline limit, then spills to a file. Nothing is durable until
/// <see cref="PrepareCommitAsync"/> and the referencing transaction have both run.
/// </summary>
internal sealed class EmbeddedBlobWriter : IBlobWriter
{
    private readonly EmbeddedBlobStore _store;
    private MemoryStream? _memory = new();
    private FileStream? _file;
    private bool _committed;
    private bool _sealed;
    private bool _disposed;

    public EmbeddedBlobWriter(EmbeddedBlobStore store, string blobId)
    {
        _store = store;
        BlobId = blobId;
    }

    public string BlobId { get; }

    public long Length { get; private set; }

    public string? Summary { get; set; }

    public bool IsInline => _file is null;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed || _sealed)
        {
            throw new InvalidOperationException("A committed blob is immutable.");
        }

        if (_memory is not null && _memory.Length + content.Length > _store.InlineMaxBytes)
        {
            await SpillAsync(cancellationToken);
        }

        if (_file is not null)
        {
            await _file.WriteAsync(content, cancellationToken);
        }
        else
        {
            _memory!.Write(content.Span);
        }

        Length += content.Length;
    }

    private async ValueTask SpillAsync(CancellationToken cancellationToken)
    {
        // Recorded first, so that a crash leaves a row pointing at the file rather than a file nobody knows.
        await _store.RegisterPendingFileAsync(BlobId);
        Directory.CreateDirectory(_store.DirectoryOf(BlobId));
        _file = new FileStream(_store.PathOf(BlobId), FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous);
        _memory!.Position = 0;
        await _memory.CopyToAsync(_file, cancellationToken);
        _memory = null;
    }

    /// <summary>Makes a file blob durable (content and directory entry); inline blobs need nothing here.</summary>
    public async ValueTask PrepareCommitAsync(CancellationToken cancellationToken)
    {
        if (_file is null || _sealed)
        {
            return;
        }

        await _file.FlushAsync(cancellationToken);
        string directory = _store.DirectoryOf(BlobId);
        await Task.Run(
            () =>
            {
                _file.Flush(flushToDisk: true);
                DirectorySync.Sync(directory);
            },
            cancellationToken);

        // Closed before the commit: the file is opened without sharing, and readers (the queue runner, a
        // mailbox session) may open the blob the moment the referencing transaction commits, before the
        // writer's owner gets round to disposing it.
        await _file.DisposeAsync();
        _sealed = true;
    }

    /// <summary>Writes the blob's row inside the referencing transaction.</summary>
    public void WriteRow(SqliteConnection connection)
    {
        if (_file is null)
        {
            connection.Execute(
                "INSERT INTO blobs (id, size, in_file, refs, created_at, summary) VALUES (@id, @size, 0, 0, @now, @summary)",
                ("@id", BlobId),
                ("@size", Length),
                ("@now", _store.Now),
                ("@summary", Summary));
            connection.Execute(
                "INSERT INTO blob_contents (id, data) VALUES (@id, @data)",
                ("@id", BlobId),
                ("@data", _memory!.ToArray()));
        }
        else
        {
            int updated = connection.Execute(
                "UPDATE blobs SET size = @size, summary = COALESCE(@summary, summary) WHERE id = @id",
                ("@id", BlobId),
                ("@size", Length),
                ("@summary", Summary));
            if (updated != 1)
            {
                throw new StoreException($"Blob {BlobId} lost its pending record.");
            }
        }
    }

    public void MarkCommitted() => _committed = true;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _memory = null;
        if (_file is not null)
        {
            await _file.DisposeAsync();
            if (!_committed)
            {
                EmbeddedBlobStore.DeleteFiles([_store.PathOf(BlobId)]);
                await _store.ForgetPendingFileAsync(BlobId);
            }
        }
    }
}
