using Carrier.Store.Blobs;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging;

namespace Carrier.Queue;

/// <summary>
/// The front door of the queue: SMTP, submission and sendmail all hand messages in here. A message is
/// durable when <see cref="SubmitAsync"/> completes; the runner is then woken to deliver it.
/// </summary>
public sealed partial class MessageIntake
{
    private readonly IQueueStore _queue;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public MessageIntake(IQueueStore queue, IBlobStore blobs, TimeProvider time, ILogger logger)
    {
        _queue = queue;
        _blobs = blobs;
        _time = time;
        _logger = logger;
    }

    /// <summary>Called after each successful submission; the host points it at the runner's wake-up.</summary>
    public Action? Submitted { get; set; }

    public string NewQueueId() => Store.Identifiers.New(_time);

    public IBlobWriter CreateContent() => _blobs.CreateWriter();

    public async ValueTask SubmitAsync(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, IBlobWriter content, CancellationToken cancellationToken)
    {
        await _queue.EnqueueAsync(message, recipients, content, cancellationToken);
        LogQueued(message.Id, message.Sender, message.Size, recipients.Count);
        Submitted?.Invoke();
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "{QueueId}: from=<{Sender}>, size={Size}, nrcpt={Recipients} (queue active)")]
    private partial void LogQueued(string queueId, string sender, long size, int recipients);
}
