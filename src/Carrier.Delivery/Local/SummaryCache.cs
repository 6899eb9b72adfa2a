using System.Threading.Channels;
using Carrier.Store.Blobs;
using Microsoft.Extensions.Logging;

namespace Carrier.Delivery.Local;

/// <summary>
/// Computes a delivered blob's reader summary (for IMAP, ENVELOPE and BODYSTRUCTURE) once, in the background
/// right after delivery, so that mail clients listing a mailbox rarely wait for messages to be parsed and the
/// delivery itself never waits for the parse.
/// </summary>
/// <remarks>
/// The work queue is bounded: when deliveries outrun the parser, blobs are skipped rather than queued without
/// end, and a reader computes a missing summary itself (and stores it).
/// </remarks>
public sealed partial class SummaryCache : IAsyncDisposable
{
    private const int Backlog = 4096;

    private readonly IBlobStore _blobs;
    private readonly IMessageSummarizer _summarizer;
    private readonly ILogger _logger;
    private readonly Channel<string> _pending = Channel.CreateBounded<string>(new BoundedChannelOptions(Backlog)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;

    public SummaryCache(IBlobStore blobs, IMessageSummarizer summarizer, ILogger logger)
    {
        _blobs = blobs;
        _summarizer = summarizer;
        _logger = logger;
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>Asks for the blob's summary to be computed soon; returns at once.</summary>
    public void Request(string blobId) => _pending.Writer.TryWrite(blobId);

    /// <summary>Computes and stores the summary now unless the blob has one.</summary>
    public async ValueTask EnsureAsync(string blobId, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await _blobs.GetSummariesAsync([blobId], cancellationToken);
            if (existing.ContainsKey(blobId))
            {
                return;
            }

            string summary;
            await using (var content = await _blobs.OpenReadAsync(blobId, cancellationToken))
            {
                summary = await _summarizer.SummarizeAsync(content, cancellationToken);
            }

            await _blobs.SetSummaryAsync(blobId, summary, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The delivery already succeeded and readers compute a missing summary: log only.
            LogSummaryFailed(blobId, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _worker;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task WorkAsync()
    {
        await foreach (string blobId in _pending.Reader.ReadAllAsync(_stopping.Token))
        {
            await EnsureAsync(blobId, _stopping.Token);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "summary of blob {BlobId} not stored: {Reason}; readers will compute it")]
    private partial void LogSummaryFailed(string blobId, string reason);
}
