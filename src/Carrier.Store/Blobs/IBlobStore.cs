namespace Carrier.Store.Blobs;

/// <summary>
/// Immutable message content. A blob is written once, referenced by queue entries and mailbox messages,
/// and removed when nothing references it any more.
/// </summary>
public interface IBlobStore
{
    /// <summary>A writer for new content; the blob exists once an operation that references it commits.</summary>
    IBlobWriter CreateWriter();

    /// <summary>Opens a blob for reading; throws <see cref="StoreException"/> when it does not exist.</summary>
    ValueTask<Stream> OpenReadAsync(string blobId, CancellationToken cancellationToken);
}

/// <summary>Receives content in order. Disposing a writer whose blob was never committed discards it.</summary>
public interface IBlobWriter : IAsyncDisposable
{
    string BlobId { get; }

    long Length { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
