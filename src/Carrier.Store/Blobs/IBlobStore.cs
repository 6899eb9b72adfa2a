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

    /// <summary>Cached summaries (parsed structure, computed once per blob) of the given blobs that have one.</summary>
    ValueTask<IReadOnlyDictionary<string, string>> GetSummariesAsync(IReadOnlyCollection<string> blobIds, CancellationToken cancellationToken);

    /// <summary>Caches a blob's summary; the content never changes, so neither does its summary.</summary>
    ValueTask SetSummaryAsync(string blobId, string summary, CancellationToken cancellationToken);
}

/// <summary>
/// Computes the summary cached with each blob: what readers of mailboxes need without parsing the content
/// again (for IMAP, ENVELOPE and BODYSTRUCTURE). The host supplies it, so the store stays protocol-free.
/// </summary>
public interface IMessageSummarizer
{
    ValueTask<string> SummarizeAsync(Stream content, CancellationToken cancellationToken);
}

/// <summary>Receives content in order. Disposing a writer whose blob was never committed discards it.</summary>
public interface IBlobWriter : IAsyncDisposable
{
    string BlobId { get; }

    long Length { get; }

    /// <summary>
    /// The blob's summary (see <see cref="IMessageSummarizer"/>), when the writer already knows it: stored in the
    /// same transaction as the blob, so that readers never see the blob without it and no second commit is paid.
    /// </summary>
    string? Summary { get; set; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
