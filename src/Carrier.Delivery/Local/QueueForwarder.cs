using Carrier.Queue;
using Carrier.Routing.Addresses;
using Carrier.Store.Queue;

namespace Carrier.Delivery.Local;

/// <summary>
/// Forwards by queueing a new message with the same envelope sender and content, as Postfix's local
/// delivery agent does for aliases. The new message is routed like any other.
/// </summary>
public sealed class QueueForwarder : IForwarder
{
    private readonly MessageIntake _intake;
    private readonly TimeProvider _time;

    public QueueForwarder(MessageIntake intake, TimeProvider time)
    {
        _intake = intake;
        _time = time;
    }

    public async ValueTask<DeliveryOutcome?> ForwardAsync(DeliveryRequest request, QueuedRecipient recipient, IReadOnlyList<EmailAddress> targets, CancellationToken cancellationToken)
    {
        await using var content = _intake.CreateContent();
        await using (var original = await request.OpenContentAsync(cancellationToken))
        {
            var buffer = new byte[16384];
            int read;
            while ((read = await original.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await content.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        var now = _time.GetUtcNow();
        var message = request.Message with
        {
            Id = _intake.NewQueueId(),
            ArrivedAt = now,
            BlobId = content.BlobId,
            Size = content.Length,
            Origin = "forward",
            Held = false,
        };
        var recipients = targets.Select((target, i) => new QueuedRecipient
        {
            Index = i,
            Address = target.ToString(),
            OriginalRecipient = recipient.OriginalRecipient ?? $"rfc822;{recipient.Address}",
            Notify = recipient.Notify,
            NextAttemptAt = now,
        }).ToList();
        await _intake.SubmitAsync(message, recipients, content, cancellationToken);
        return null;
    }
}
