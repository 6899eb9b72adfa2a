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
    private readonly SubmissionMode? _submission;

    /// <param name="submission">For the submission ports: complete headers, and check From: against the user.</param>
    public QueueMessageSink(MessageIntake intake, string barePostmaster, ILogger logger, SubmissionMode? submission = null)
    {
        _intake = intake;
        _barePostmaster = barePostmaster;
        _logger = logger;
        _submission = submission;
    }

    public string NewQueueId() => _intake.NewQueueId();

    public IMessageContentWriter CreateContentWriter(string queueId)
    {
        var content = new BlobContent(_intake.CreateContent());
        return _submission is { } submission ? new HeaderCompletingContent(content, submission.Hostname, submission.Time.GetUtcNow()) : content;
    }

    public async ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, IMessageContentWriter content, CancellationToken cancellationToken)
    {
        if (content is HeaderCompletingContent completing)
        {
            await completing.FinishAsync(cancellationToken);
            if (await RefusedFromAsync(envelope, completing.From, cancellationToken) is { } refusal)
            {
                return refusal;
            }

            content = completing.Inner;
        }

        var blob = ((BlobContent)content).Writer;
        var message = new QueuedMessage
        {
            Id = envelope.QueueId,
            Sender = envelope.Sender?.Address ?? string.Empty,
            ArrivedAt = envelope.ReceivedAt,
            Size = blob.Length,
            BlobId = blob.BlobId,
            Origin = _submission is null ? "smtp" : "submission",
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

    /// <summary>RFC 6409 §8: a submitted From: names the user (or an alias of theirs); a message without one is refused.</summary>
    private async ValueTask<SmtpReply?> RefusedFromAsync(SmtpEnvelope envelope, string? from, CancellationToken cancellationToken)
    {
        if (_submission?.SenderCheck is not { } policy || envelope.Session.AuthenticatedUser is not { } user)
        {
            return null;
        }

        if (from is null || !MimeKit.InternetAddressList.TryParse(from, out var addresses) || !addresses.Mailboxes.Any())
        {
            return new SmtpReply(550, "5.6.0", "Message refused: no usable From: header");
        }

        foreach (var mailbox in addresses.Mailboxes)
        {
            if (!await policy.OwnsAsync(user, mailbox.Address, cancellationToken))
            {
                LogFromRefused(envelope.QueueId, user, mailbox.Address);
                return SmtpRecipientPolicy.NotOwned(user);
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "{QueueId}: refused, user {User} may not send as From: {From}")]
    private partial void LogFromRefused(string queueId, string user, string from);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "{QueueId}: could not be queued; the client was told to try again")]
    private partial void LogStoreFailed(Exception exception, string queueId);

    /// <summary>How a submission listener's sink differs from port 25's.</summary>
    /// <param name="SenderCheck">When set, From: must name the authenticated user's own addresses.</param>
    public sealed record SubmissionMode(string Hostname, TimeProvider Time, SmtpRecipientPolicy? SenderCheck);

    private sealed class BlobContent(IBlobWriter writer) : IMessageContentWriter
    {
        public IBlobWriter Writer { get; } = writer;

        public long Length => Writer.Length;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Writer.WriteAsync(content, cancellationToken);

        public ValueTask DisposeAsync() => Writer.DisposeAsync();
    }
}
