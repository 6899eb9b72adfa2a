using System.Collections.Concurrent;
using Carrier.Queue.Bounces;
using Carrier.Store.Blobs;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging;

namespace Carrier.Queue.Runner;

/// <summary>
/// Takes due messages from the queue and hands them to the delivery agent.
/// </summary>
/// <remarks>
/// Strategies, in Postfix's vocabulary:
/// <list type="bullet">
/// <item><b>Bounded active set</b>: at most <see cref="QueueRunnerOptions.MaxConcurrentDeliveries"/> messages in delivery.</item>
/// <item><b>Oldest due first</b>: the store hands out recipients by next-attempt time, so new and deferred mail share the slots fairly.</item>
/// <item><b>Wake-up on arrival</b>: a newly queued message is started at once; a poll catches scheduled retries and mail queued by other processes.</item>
/// <item><b>Exponential backoff</b> with jitter between attempts, and expiry after the lifetime (<see cref="RetryPolicy"/>).</item>
/// <item><b>Claims</b>: a message being delivered is claimed, so no second delivery of it starts; a crash drops the claims.</item>
/// </list>
/// Every attempt's outcome, any bounce it causes, and the removal of a finished message are recorded in one transaction.
/// </remarks>
public sealed partial class QueueRunner : IAsyncDisposable
{
    private readonly IQueueStore _queue;
    private readonly IBlobStore _blobs;
    private readonly IDeliveryAgent _agent;
    private readonly BounceBuilder _bounces;
    private readonly RetryPolicy _retry;
    private readonly QueueRunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Task, byte> _active = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortDeliveries = new();
    private TaskCompletionSource _wake = NewSignal();
    private Task? _loop;

    public QueueRunner(IQueueStore queue, IBlobStore blobs, IDeliveryAgent agent, RetryPolicy retry, QueueRunnerOptions options, TimeProvider time, ILogger logger)
    {
        _queue = queue;
        _blobs = blobs;
        _agent = agent;
        _retry = retry;
        _options = options;
        _time = time;
        _logger = logger;
        _bounces = new BounceBuilder(options.Hostname, retry.MaxLifetime);
    }

    public int ActiveDeliveries => _active.Count;

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>Asks the runner to look at the queue now (a message arrived, a flush was requested).</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();

    private async Task RunAsync(CancellationToken stopping)
    {
        await _queue.ReleaseAllClaimsAsync(stopping);
        while (!stopping.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake).Task;
            int free = _options.MaxConcurrentDeliveries - _active.Count;
            if (free > 0)
            {
                IReadOnlyList<QueueDispatch> due;
                try
                {
                    due = await _queue.ClaimDueAsync(_time.GetUtcNow(), free, _options.ClaimLease, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogClaimFailed(e);
                    due = [];
                }

                foreach (var dispatch in due)
                {
                    StartDelivery(dispatch);
                }
            }

            try
            {
                await Task.WhenAny(wake, Task.Delay(_options.PollInterval, _time, stopping));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void StartDelivery(QueueDispatch dispatch)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await started.Task;
            await DeliverAsync(dispatch, _abortDeliveries.Token);
        });
        _active[task] = 0;
        started.SetResult();
        _ = task.ContinueWith(
            t =>
            {
                _active.TryRemove(t, out _);
                Wake();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>One attempt for one message: deliver, decide each recipient's next state, record it all.</summary>
    internal async Task DeliverAsync(QueueDispatch dispatch, CancellationToken cancellationToken)
    {
        var message = dispatch.Message;
        var appends = new AttemptAppends();
        var request = new DeliveryRequest(message, dispatch.Recipients, ct => _blobs.OpenReadAsync(message.BlobId, ct), appends);
        IReadOnlyList<RecipientOutcome> outcomes;
        try
        {
            outcomes = await _agent.DeliverAsync(request, cancellationToken);
        }
        catch (Exception e)
        {
            LogAgentFailed(e, message.Id);
            var failure = DeliveryOutcome.Temporary("4.3.0", $"delivery failed: {e.Message}", "none");
            outcomes = [.. dispatch.Recipients.Select(r => new RecipientOutcome(r.Index, failure))];
        }

        var now = _time.GetUtcNow();
        var updates = new List<RecipientUpdate>();
        var failed = new List<DsnRecipient>();
        var succeeded = new List<DsnRecipient>();
        var delayed = new List<DsnRecipient>();
        foreach (var recipient in dispatch.Recipients)
        {
            var outcome = outcomes.FirstOrDefault(o => o.Index == recipient.Index)?.Outcome
                ?? DeliveryOutcome.Temporary("4.3.0", "the delivery agent gave no result for this recipient", "none");
            var update = RecipientTransitions.Next(recipient, message, outcome, now, _retry, Random.Shared.NextDouble());
            if (update.State == RecipientState.Deferred && !recipient.DelayWarned && _retry.DelayWarning is { } warning && now - message.ArrivedAt >= warning)
            {
                // RFC 3464 "delayed" notice, once per recipient, when the sender asked for it (or by default).
                update = update with { DelayWarned = true };
                if (BounceBuilder.Wants(recipient, DsnKind.Delay))
                {
                    delayed.Add(new DsnRecipient(recipient, "delayed", outcome.Status, outcome.Diagnostic ?? outcome.Reply, outcome.RemoteMta, outcome.SmtpDiagnostic, now));
                }
            }
            else if (recipient.DelayWarned)
            {
                update = update with { DelayWarned = true };
            }

            updates.Add(update);
            LogAttempt(message.Id, recipient.Address, outcome.Relay, (now - message.ArrivedAt).TotalSeconds, outcome.Status, update.State.ToDisplay() switch
            {
                "delivered" => "sent",
                var state => state,
            }, outcome.Reply);
            if (update.State is RecipientState.Bounced or RecipientState.Expired && BounceBuilder.Wants(recipient, DsnKind.Failure))
            {
                failed.Add(new DsnRecipient(recipient, "failed", outcome.Status, outcome.Diagnostic ?? outcome.Reply, outcome.RemoteMta, outcome.SmtpDiagnostic, now));
            }
            else if (update.State == RecipientState.Delivered && !outcome.NotifyPassedOn && BounceBuilder.Wants(recipient, DsnKind.Success))
            {
                succeeded.Add(new DsnRecipient(recipient, outcome.Relay == "local" ? "delivered" : "relayed", outcome.Status, outcome.Diagnostic ?? outcome.Reply, outcome.RemoteMta, outcome.SmtpDiagnostic, now));
            }
        }

        var submissions = new List<QueueSubmission>();
        bool removed;
        try
        {
            await AddNotificationAsync(submissions, message, failed, DsnKind.Failure, now, cancellationToken);
            await AddNotificationAsync(submissions, message, succeeded, DsnKind.Success, now, cancellationToken);
            await AddNotificationAsync(submissions, message, delayed, DsnKind.Delay, now, cancellationToken);
            removed = await _queue.CompleteAttemptAsync(message.Id, updates, submissions, appends.Requests, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing of the attempt was recorded; the message stays due and is tried again.
            LogRecordFailed(e, message.Id);
            return;
        }
        finally
        {
            foreach (var submission in submissions)
            {
                await submission.Content!.DisposeAsync();
            }
        }

        foreach (var submission in submissions)
        {
            LogNotification(message.Id, submission.Message.Id);
            LogQueued(submission.Message.Id, submission.Message.Sender, submission.Message.Size, submission.Recipients.Count);
        }

        if (removed)
        {
            LogRemoved(message.Id);
        }
    }

    private async Task AddNotificationAsync(List<QueueSubmission> submissions, QueuedMessage message, List<DsnRecipient> recipients, DsnKind kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (recipients.Count == 0)
        {
            return;
        }

        if (message.Sender.Length == 0)
        {
            // RFC 5321 §4.5.5: never answer the null sender; a bounce of a bounce stops here.
            LogNoNotification(message.Id, kind.ToString().ToLowerInvariant());
            return;
        }

        using var buffer = new MemoryStream();
        await using (var original = await _blobs.OpenReadAsync(message.BlobId, cancellationToken))
        {
            await _bounces.WriteAsync(message, recipients, kind, original, now, buffer, cancellationToken);
        }

        var content = _blobs.CreateWriter();
        await content.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        var notification = new QueuedMessage
        {
            Id = Store.Identifiers.New(_time),
            Sender = string.Empty,
            ArrivedAt = now,
            Size = content.Length,
            BlobId = content.BlobId,
            Origin = "bounce",
            Client = "local",
            BodyType = "8BITMIME",
            SmtpUtf8 = !System.Text.Ascii.IsValid(message.Sender),
        };
        var recipient = new QueuedRecipient { Index = 0, Address = message.Sender, NextAttemptAt = now };
        submissions.Add(new QueueSubmission(notification, [recipient], content));
    }

    public async Task StopAsync()
    {
        if (_loop is null || _stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _loop;
        var active = Task.WhenAll(_active.Keys);
        if (await Task.WhenAny(active, Task.Delay(_options.ShutdownGrace, _time)) != active)
        {
            await _abortDeliveries.CancelAsync();
            await Task.WhenAny(active, Task.Delay(TimeSpan.FromSeconds(5), _time));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _abortDeliveries.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{QueueId}: to=<{Recipient}>, relay={Relay}, delay={Delay:0.##}, dsn={Status}, status={State} ({Reply})")]
    private partial void LogAttempt(string queueId, string recipient, string relay, double delay, string status, string state, string reply);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "{QueueId}: removed")]
    private partial void LogRemoved(string queueId);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "{QueueId}: sender delivery status notification: {NotificationId}")]
    private partial void LogNotification(string queueId, string notificationId);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "{QueueId}: from=<{Sender}>, size={Size}, nrcpt={Recipients} (queue active)")]
    private partial void LogQueued(string queueId, string sender, long size, int recipients);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "{QueueId}: no {Kind} notification: the sender is <> (a bounce is never bounced)")]
    private partial void LogNoNotification(string queueId, string kind);

    [LoggerMessage(EventId = 405, Level = LogLevel.Error, Message = "{QueueId}: delivery agent failed")]
    private partial void LogAgentFailed(Exception exception, string queueId);

    [LoggerMessage(EventId = 407, Level = LogLevel.Error, Message = "{QueueId}: the attempt could not be recorded; it will be made again")]
    private partial void LogRecordFailed(Exception exception, string queueId);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "queue: could not read due messages")]
    private partial void LogClaimFailed(Exception exception);
}
