using System.Text;
using Carrier.Delivery.Authentication;
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
    private readonly InboundChecks? _inbound;

    /// <param name="submission">For the submission ports: complete headers, and check From: against the user.</param>
    /// <param name="inbound">For port 25: sender authentication (SPF, DKIM, DMARC) of the mail it checks.</param>
    public QueueMessageSink(MessageIntake intake, string barePostmaster, ILogger logger, SubmissionMode? submission = null, InboundChecks? inbound = null)
    {
        _intake = intake;
        _barePostmaster = barePostmaster;
        _logger = logger;
        _submission = submission;
        _inbound = inbound;
    }

    public string NewQueueId() => _intake.NewQueueId();

    public ITransactionCheck? BeginChecks(SmtpSessionContext session, SmtpPath? sender) =>
        _submission is null ? _inbound?.Begin(session, sender) : null;

    public IMessageContentWriter CreateContentWriter(string queueId, ITransactionCheck? check)
    {
        if (check is SenderCheck)
        {
            return new SpooledContent();
        }

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

        if (content is SpooledContent spooled && envelope.Check is SenderCheck check)
        {
            InboundVerdict verdict;
            try
            {
                verdict = await _inbound!.Authenticator.AuthenticateAsync(check.Spf, check.MailFrom, check.Helo, spooled.Content, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogAuthenticationFailed(e, envelope.QueueId);
                return SmtpReplies.StorageFailure;
            }

            LogAuthentication(envelope.QueueId, verdict.Spf.Keyword, DkimSummary(verdict), verdict.Dmarc?.Keyword ?? "none", verdict.Disposition.ToString().ToLowerInvariant(), verdict.Reason);
            switch (verdict.Disposition)
            {
                case InboundDisposition.Reject:
                    return new SmtpReply(550, "5.7.1", $"Message refused by the sender domain's policy: {verdict.Reason}");
                case InboundDisposition.Defer:
                    return new SmtpReply(451, "4.7.1", "Sender authentication could not be completed, try again later");
            }

            await using var checkedBlob = _intake.CreateContent();
            await spooled.CopyToAsync(checkedBlob, Encoding.UTF8.GetBytes(verdict.Header), verdict.Removed, cancellationToken);
            return await EnqueueAsync(envelope, checkedBlob, cancellationToken);
        }

        return await EnqueueAsync(envelope, ((BlobContent)content).Writer, cancellationToken);
    }

    private static string DkimSummary(InboundVerdict verdict) =>
        verdict.Dkim.Count == 0 ? "none" : string.Join(',', verdict.Dkim.Select(d => $"{d.Keyword}:{d.Domain}"));

    private async ValueTask<SmtpReply> EnqueueAsync(SmtpEnvelope envelope, IBlobWriter blob, CancellationToken cancellationToken)
    {
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

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "{QueueId}: spf={Spf} dkim={Dkim} dmarc={Dmarc} action={Action} {Reason}")]
    private partial void LogAuthentication(string queueId, string spf, string dkim, string dmarc, string action, string reason);

    [LoggerMessage(EventId = 213, Level = LogLevel.Error, Message = "{QueueId}: sender authentication failed; the client was told to try again")]
    private partial void LogAuthenticationFailed(Exception exception, string queueId);

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
