using System.Text;
using Carrier.Directory;
using Carrier.Queue;
using Carrier.Routing.Addresses;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;

namespace Carrier.Delivery.Local;

/// <summary>
/// The MDA: resolves each local recipient through the directory (aliases, plus-addressing, postmaster) and
/// files the message into every resulting account's INBOX, all recipients of a message in one transaction.
/// </summary>
/// <remarks>
/// The content is stored once and shared: each delivery adds only its own <c>Return-Path:</c> and
/// <c>Delivered-To:</c> lines. The delivery key (queue id, recipient, account) makes a repeated attempt after a
/// crash a no-op, so local delivery happens exactly once. Alias targets elsewhere are handed to
/// <see cref="IForwarder"/> as a new message.
/// </remarks>
public sealed class LocalDeliveryAgent
{
    public const string Relay = "local";
    private const string Inbox = "INBOX";
    private const string Junk = "Junk";

    /// <summary>What content received over SMTP starts with when reception decided to quarantine it.</summary>
    private static readonly byte[] QuarantineMark = Encoding.ASCII.GetBytes(Authentication.InboundAuthenticator.QuarantineField + ":");

    private readonly MailDirectory _directory;
    private readonly IMailboxStore _mailboxes;
    private readonly IForwarder _forwarder;
    private readonly TimeProvider _time;
    private readonly SummaryCache? _summaries;

    /// <param name="summaries">When given, each delivered blob gets its reader summary computed once, just after delivery.</param>
    public LocalDeliveryAgent(MailDirectory directory, IMailboxStore mailboxes, IForwarder forwarder, TimeProvider time, SummaryCache? summaries = null)
    {
        _directory = directory;
        _mailboxes = mailboxes;
        _forwarder = forwarder;
        _time = time;
        _summaries = summaries;
    }

    public async ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, IReadOnlyList<QueuedRecipient> recipients, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<int, DeliveryOutcome>();
        var appends = new List<AppendRequest>();
        var appendOwners = new List<int>();
        var blobSize = request.Message.Size;
        var now = _time.GetUtcNow();
        bool quarantined = await IsQuarantinedAsync(request, cancellationToken);
        foreach (var recipient in recipients)
        {
            if (!EmailAddress.TryParse(recipient.Address, out var address))
            {
                outcomes[recipient.Index] = DeliveryOutcome.Permanent("5.1.3", "bad recipient address syntax", Relay);
                continue;
            }

            var resolution = await _directory.ResolveAsync(address, cancellationToken);
            if (resolution.Failure is { } failure)
            {
                outcomes[recipient.Index] = failure.Permanent
                    ? DeliveryOutcome.Permanent(failure.Status, failure.Reason, Relay)
                    : DeliveryOutcome.Temporary(failure.Status, failure.Reason, Relay);
                continue;
            }

            foreach (var account in resolution.Accounts)
            {
                var inbox = (quarantined ? await _mailboxes.GetMailboxAsync(account.Id, Junk, cancellationToken) : null)
                    ?? await _mailboxes.GetMailboxAsync(account.Id, Inbox, cancellationToken);
                if (inbox is null)
                {
                    outcomes[recipient.Index] = DeliveryOutcome.Temporary("4.2.0", $"{account.Address} has no INBOX", Relay);
                    break;
                }

                appends.Add(new AppendRequest(
                    inbox.Id,
                    request.Message.BlobId,
                    blobSize,
                    HeaderPrefix(request.Message.Sender, account.Address),
                    MessageFlags.None,
                    [],
                    now,
                    DeliveryKey: $"{request.Message.Id}/{recipient.Index}/{account.Id}"));
                appendOwners.Add(recipient.Index);
            }

            if (resolution.Forwards.Count > 0 && !outcomes.ContainsKey(recipient.Index))
            {
                var forward = await _forwarder.ForwardAsync(request, recipient, resolution.Forwards, cancellationToken);
                if (forward is not null)
                {
                    outcomes[recipient.Index] = forward;
                }
            }
        }

        if (appends.Count > 0)
        {
            try
            {
                await FileAsync(request, appends, cancellationToken);

                // After the delivery is recorded, off its path: the parse never delays the next message.
                _summaries?.Request(request.Message.BlobId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                foreach (int index in appendOwners)
                {
                    outcomes.TryAdd(index, DeliveryOutcome.Temporary("4.3.0", $"mailbox write failed: {e.Message}", Relay));
                }
            }
        }

        var result = new List<RecipientOutcome>(recipients.Count);
        foreach (var recipient in recipients)
        {
            int delivered = appendOwners.Count(i => i == recipient.Index);
            var outcome = outcomes.GetValueOrDefault(recipient.Index)
                ?? DeliveryOutcome.Delivered(Relay, delivered switch
                {
                    0 => "forwarded",
                    1 => quarantined ? "delivered to Junk (quarantined)" : "delivered to INBOX",
                    _ => $"delivered to {delivered} mailboxes",
                });
            result.Add(new RecipientOutcome(recipient.Index, outcome));
        }

        return result;
    }

    private async ValueTask FileAsync(DeliveryRequest request, List<AppendRequest> appends, CancellationToken cancellationToken)
    {
        if (request.CommitWithAttempt is { } attempt)
        {
            attempt.Add(appends);
        }
        else
        {
            await _mailboxes.AppendAsync(appends, null, cancellationToken);
        }
    }

    /// <summary>
    /// Whether reception put the quarantine mark on this message. Only content received over SMTP is asked, and
    /// only its first octets: Carrier writes its own fields first, so a sender can never place the mark there.
    /// </summary>
    private static async ValueTask<bool> IsQuarantinedAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        if (request.Message.Origin != "smtp")
        {
            return false;
        }

        await using var content = await request.OpenContentAsync(cancellationToken);
        var start = new byte[QuarantineMark.Length];
        int read = await content.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
        return read == start.Length && start.AsSpan().SequenceEqual(QuarantineMark);
    }

    /// <summary>RFC 5321 §4.4 Return-Path and the Delivered-To line that mail loops are recognised by.</summary>
    private static byte[] HeaderPrefix(string sender, string deliveredTo) =>
        Encoding.UTF8.GetBytes($"Return-Path: <{sender}>\r\nDelivered-To: {deliveredTo}\r\n");
}
