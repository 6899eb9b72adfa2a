using Carrier.Store.Blobs;
using Microsoft.Extensions.Logging;

namespace Carrier.Delivery.Local;

/// <summary>
/// Computes a blob's reader summary (for IMAP, ENVELOPE and BODYSTRUCTURE) once, when the message is
/// delivered, so that mail clients listing a mailbox never wait for messages to be parsed.
/// </summary>
public sealed partial class SummaryCache(IBlobStore blobs, IMessageSummarizer summarizer, ILogger logger)
{
    /// <summary>
    /// Stores the summary unless the blob has one. A failure is only logged: readers compute a missing summary
    /// themselves, so the delivery that already succeeded must not be retried for it.
    /// </summary>
    public async ValueTask EnsureAsync(string blobId, Func<CancellationToken, ValueTask<Stream>> openContent, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await blobs.GetSummariesAsync([blobId], cancellationToken);
            if (existing.ContainsKey(blobId))
            {
                return;
            }

            string summary;
            await using (var content = await openContent(cancellationToken))
            {
                summary = await summarizer.SummarizeAsync(content, cancellationToken);
            }

            await blobs.SetSummaryAsync(blobId, summary, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSummaryFailed(blobId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "summary of blob {BlobId} not stored: {Reason}; readers will compute it")]
    private partial void LogSummaryFailed(string blobId, string reason);
}
