using Carrier.Queue;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;
using Carrier.Store.Blobs;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging;

namespace Carrier.Server;

/// <summary>Binds the SMTP server's message port to the queue: a commit is an enqueue, and 250 follows only its success.</summary>
public sealed partial class QueueMessageSink : IMessageSink
{
    private readonly MessageIntake _intake;
    private readonly string _barePostmaster;
    private readonly ILogger _logger;

    public QueueMessageSink(MessageIntake intake, string barePostmaster, ILogger logger)
    {
        _intake = intake;
        _barePostmaster = barePostmaster;
        _logger = logger;
    }

    public string NewQueueId() => _intake.NewQueueId();

    public IMessageContentWriter CreateContentWriter(string queueId) => new BlobContent(_intake.CreateContent());

    public async ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, IMessageContentWriter content, CancellationToken cancellationToken)
    {
        var blob = ((BlobContent)content).Writer;
        var message = new QueuedMessage
        {
            Id = envelope.QueueId,
            Sender = envelope.Sender?.Address ?? string.Empty,
            ArrivedAt = envelope.ReceivedAt,
            Size = blob.Length,
            BlobId = blob.BlobId,
            Origin = "smtp",
            Client = envelope.Session.ClientDescription,
            HeloName = envelope.Session.HeloName,
            BodyType = envelope.Parameters.Body == BodyType.EightBitMime ? "8BITMIME" : "7BIT",
            SmtpUtf8 = envelope.Parameters.SmtpUtf8,
            DsnReturn = envelope.Parameters.Return switch
            {
                DsnReturn.Full => "FULL",
                DsnReturn.Headers => "HDRS",
                _ => null,
            },
            EnvelopeId = envelope.Parameters.EnvelopeId,
        };
        var recipients = envelope.Recipients.Select((r, i) => new QueuedRecipient
        {
            Index = i,
            Address = r.Path.IsBarePostmaster ? _barePostmaster : r.Path.Address,
            OriginalRecipient = r.Parameters.OriginalRecipient,
            Notify = r.Parameters.Notify == DsnNotify.Unspecified ? null : r.Parameters.Notify.ToString().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal),
            NextAttemptAt = envelope.ReceivedAt,
        }).ToList();
        try
        {
            await _intake.SubmitAsync(message, recipients, blob, cancellationToken);
            return SmtpReplies.Queued(envelope.QueueId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(e, envelope.QueueId);
            return SmtpReplies.StorageFailure;
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "{QueueId}: could not be queued; the client was told to try again")]
    private partial void LogStoreFailed(Exception exception, string queueId);

    private sealed class BlobContent(IBlobWriter writer) : IMessageContentWriter
    {
        public IBlobWriter Writer { get; } = writer;

        public long Length => Writer.Length;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Writer.WriteAsync(content, cancellationToken);

        public ValueTask DisposeAsync() => Writer.DisposeAsync();
    }
}
