using System.Globalization;
using System.Text;
using Carrier.Store.Queue;
using MimeKit;
using MimeKit.Utils;

namespace Carrier.Queue.Bounces;

/// <summary>What a delivery status notification reports.</summary>
public enum DsnKind
{
    /// <summary>Recipients bounced or expired (Action: failed).</summary>
    Failure,

    /// <summary>Recipients still waiting after the delay-warning time (Action: delayed).</summary>
    Delay,

    /// <summary>Recipients delivered where NOTIFY=SUCCESS asked to be told (Action: delivered or relayed).</summary>
    Success,
}

/// <summary>One recipient's line in a DSN.</summary>
public sealed record DsnRecipient(QueuedRecipient Recipient, string Action, string Status, string Diagnostic, string? RemoteMta, bool SmtpDiagnostic, DateTimeOffset LastAttempt);

/// <summary>
/// Builds RFC 3464 delivery status notifications: multipart/report with a human explanation,
/// message/delivery-status, and the original message (RET=FULL, or by default while small) or its headers.
/// </summary>
public sealed class BounceBuilder
{
    private readonly string _hostname;
    private readonly TimeSpan _maxLifetime;
    private readonly long _returnFullLimit;

    /// <param name="maxLifetime">How long the queue keeps trying; delay notices say until when.</param>
    /// <param name="returnFullLimit">
    /// Largest original returned whole; larger ones come back as headers only, like Postfix's bounce_size_limit.
    /// </param>
    public BounceBuilder(string hostname, TimeSpan maxLifetime, long returnFullLimit = 100_000)
    {
        _hostname = hostname;
        _maxLifetime = maxLifetime;
        _returnFullLimit = returnFullLimit;
    }

    /// <summary>Whether a DSN of this kind is owed for a recipient, by RFC 3461 NOTIFY (default: failure and delay).</summary>
    public static bool Wants(QueuedRecipient recipient, DsnKind kind)
    {
        string? notify = recipient.Notify;
        if (notify is null)
        {
            return kind != DsnKind.Success;
        }

        string word = kind switch
        {
            DsnKind.Failure => "FAILURE",
            DsnKind.Delay => "DELAY",
            _ => "SUCCESS",
        };
        return notify.Split(',').Contains(word, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Writes the notification to <paramref name="output"/> in wire form (CRLF).</summary>
    public async Task WriteAsync(QueuedMessage original, IReadOnlyList<DsnRecipient> recipients, DsnKind kind, Stream? originalContent, DateTimeOffset now, Stream output, CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{_hostname}"));
        message.To.Add(MailboxAddress.Parse(original.Sender));
        message.Subject = kind switch
        {
            DsnKind.Failure => "Undelivered Mail Returned to Sender",
            DsnKind.Delay => "Delayed Mail (still being retried)",
            _ => "Successful Mail Delivery Report",
        };
        message.Date = now;
        message.MessageId = $"{original.Id}.{now.ToUnixTimeMilliseconds()}@{_hostname}";

        // RFC 3834 §5: automatic replies say so, so that vacation responders leave them alone.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = HumanText(original, recipients, kind) });
        report.Add(DeliveryStatus(original, recipients));
        if (originalContent is not null)
        {
            report.Add(await ReturnedContentAsync(original, originalContent, kind, cancellationToken));
        }

        message.Body = report;
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, output, cancellationToken);
    }

    private string HumanText(QueuedMessage original, IReadOnlyList<DsnRecipient> recipients, DsnKind kind)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {_hostname}.\n\n");
        text.Append(kind switch
        {
            DsnKind.Failure => "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n",
            DsnKind.Delay => "Your message could not be delivered yet to one or more recipients.\nIt will be retried until it is too old; you do not need to resend it.\n",
            _ => "Your message was successfully delivered to the destination(s)\nlisted below.\n",
        });
        text.Append(CultureInfo.InvariantCulture, $"\nQueue id: {original.Id}\n\n");
        foreach (var r in recipients)
        {
            text.Append(CultureInfo.InvariantCulture, $"<{r.Recipient.Address}>: {r.Diagnostic}\n");
        }

        return text.ToString();
    }

    private MessageDeliveryStatus DeliveryStatus(QueuedMessage original, IReadOnlyList<DsnRecipient> recipients)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", $"dns; {_hostname}" },
        };
        if (original.EnvelopeId is { } envelopeId)
        {
            perMessage.Add("Original-Envelope-Id", envelopeId);
        }

        perMessage.Add("Arrival-Date", DateUtils.FormatDate(original.ArrivedAt));
        status.StatusGroups.Add(perMessage);
        foreach (var r in recipients)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", $"rfc822; {r.Recipient.Address}" },
            };
            if (r.Recipient.OriginalRecipient is { } orcpt)
            {
                group.Add("Original-Recipient", orcpt.Replace(";", "; ", StringComparison.Ordinal));
            }

            group.Add("Action", r.Action);
            group.Add("Status", r.Status);
            if (r.RemoteMta is { } mta)
            {
                group.Add("Remote-MTA", $"dns; {mta}");
            }

            group.Add("Diagnostic-Code", $"{(r.SmtpDiagnostic ? "smtp" : "x-carrier")}; {OneLine(r.Diagnostic)}");
            group.Add("Last-Attempt-Date", DateUtils.FormatDate(r.LastAttempt));
            if (r.Action == "delayed")
            {
                group.Add("Will-Retry-Until", DateUtils.FormatDate(original.ArrivedAt + _maxLifetime));
            }

            status.StatusGroups.Add(group);
        }

        return status;
    }

    private async Task<MimeEntity> ReturnedContentAsync(QueuedMessage original, Stream content, DsnKind kind, CancellationToken cancellationToken)
    {
        bool full = kind == DsnKind.Failure && original.DsnReturn != "HDRS" && original.Size <= _returnFullLimit;
        var parsed = await MimeMessage.LoadAsync(content, cancellationToken);
        if (full)
        {
            return new MessagePart("rfc822") { Message = parsed };
        }

        // RFC 6522 text/rfc822-headers: just the header section.
        using var headers = new MemoryStream();
        await parsed.Headers.WriteToAsync(headers, cancellationToken);
        return new TextPart("rfc822-headers") { Text = Encoding.UTF8.GetString(headers.ToArray()) };
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
