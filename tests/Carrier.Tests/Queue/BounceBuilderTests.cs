using System.Text;
using Carrier.Queue.Bounces;
using Carrier.Store.Queue;
using MimeKit;

namespace Carrier.Tests.Queue;

/// <summary>RFC 3464 delivery status notifications, built and then read back with MimeKit as a mail client would.</summary>
public sealed class BounceBuilderTests
{
    private const string Hostname = "mail.local.test";
    private const string OriginalText = "From: sender@example.org\r\nTo: rcpt@example.net\r\nSubject: the original\r\nMessage-ID: <orig@example.org>\r\n\r\nThe original body.\r\n";

    private static readonly DateTimeOffset Arrived = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Arrived.AddHours(5);

    private static QueuedMessage Original(string? ret = null, string? envelopeId = null, long? size = null) => new()
    {
        Id = "0123456789ABCDEF",
        Sender = "sender@example.org",
        ArrivedAt = Arrived,
        Size = size ?? OriginalText.Length,
        BlobId = "blob",
        Origin = "smtp",
        DsnReturn = ret,
        EnvelopeId = envelopeId,
    };

    private static DsnRecipient Failed(string address = "rcpt@example.net", string? orcpt = null, string? notify = null) => new(
        new QueuedRecipient { Index = 0, Address = address, OriginalRecipient = orcpt, Notify = notify, NextAttemptAt = Arrived },
        "failed",
        "5.1.1",
        "550 5.1.1 <rcpt@example.net>: user unknown",
        "mx.example.net",
        SmtpDiagnostic: true,
        Now.AddMinutes(-1));

    private static DsnRecipient Delayed(string address = "slow@example.net") => new(
        new QueuedRecipient { Index = 1, Address = address, NextAttemptAt = Arrived },
        "delayed",
        "4.4.1",
        "connect to mx.example.net[192.0.2.1]:25: Connection timed out",
        null,
        SmtpDiagnostic: false,
        Now.AddMinutes(-2));

    private static async Task<(MimeMessage Message, byte[] Wire)> BuildAsync(
        QueuedMessage original,
        IReadOnlyList<DsnRecipient> recipients,
        DsnKind kind = DsnKind.Failure,
        bool withContent = true,
        long returnFullLimit = 100_000)
    {
        var builder = new BounceBuilder(Hostname, TimeSpan.FromDays(5), returnFullLimit);
        using var output = new MemoryStream();
        using var content = new MemoryStream(Encoding.ASCII.GetBytes(OriginalText));
        await builder.WriteAsync(original, recipients, kind, withContent ? content : null, Now, output, CancellationToken.None);
        byte[] wire = output.ToArray();
        return (await MimeMessage.LoadAsync(new MemoryStream(wire)), wire);
    }

    private static MultipartReport Report(MimeMessage message) => Assert.IsType<MultipartReport>(message.Body);

    private static MessageDeliveryStatus Status(MimeMessage message) => Assert.IsType<MessageDeliveryStatus>(Report(message)[1]);

    /// <summary>The field groups; MimeKit reads the blank line that ends the last group as one more, empty, group.</summary>
    private static List<HeaderList> Groups(MimeMessage message) => [.. Status(message).StatusGroups.Where(g => g.Count > 0)];

    private static HeaderList PerMessage(MimeMessage message) => Groups(message)[0];

    private static HeaderList PerRecipient(MimeMessage message, int index = 0) => Groups(message)[index + 1];

    /// <summary>The returned-headers part in wire form (MimeKit may read it back as a part of its own type).</summary>
    private static string ReturnedHeaders(MimeMessage message)
    {
        var part = Report(message)[2];
        Assert.True(part.ContentType.IsMimeType("text", "rfc822-headers"));
        return part.ToString();
    }

    [Fact]
    public async Task A_failure_notice_is_a_multipart_report_of_delivery_status()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        var report = Report(message);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal("delivery-status", report.ContentType.Parameters["report-type"]);
        Assert.Equal(3, report.Count);
        Assert.True(report[0].ContentType.IsMimeType("text", "plain"));
        Assert.True(report[1].ContentType.IsMimeType("message", "delivery-status"));
        Assert.True(report[2].ContentType.IsMimeType("message", "rfc822"));
    }

    [Fact]
    public async Task The_notice_comes_from_the_mailer_daemon_to_the_sender()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal("MAILER-DAEMON@mail.local.test", from.Address);
        Assert.Equal("sender@example.org", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", message.Subject);
        Assert.Equal(Now, message.Date);
        Assert.Equal($"0123456789ABCDEF.{Now.ToUnixTimeMilliseconds()}@mail.local.test", message.MessageId);
    }

    [Fact]
    public async Task The_notice_says_it_is_an_automatic_reply()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
    }

    [Fact]
    public async Task The_notice_is_written_with_crlf_line_ends_only()
    {
        var (_, wire) = await BuildAsync(Original(), [Failed()]);
        for (int i = 0; i < wire.Length; i++)
        {
            if (wire[i] == (byte)'\n')
            {
                Assert.True(i > 0 && wire[i - 1] == (byte)'\r', $"bare LF at {i}");
            }
        }
    }

    [Fact]
    public async Task The_human_part_names_the_recipient_the_reason_and_the_queue_id()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        string text = Assert.IsType<TextPart>(Report(message)[0]).Text;
        Assert.Contains("This is the mail system at host mail.local.test.", text, StringComparison.Ordinal);
        Assert.Contains("could not", text, StringComparison.Ordinal);
        Assert.Contains("Queue id: 0123456789ABCDEF", text, StringComparison.Ordinal);
        Assert.Contains("<rcpt@example.net>: 550 5.1.1 <rcpt@example.net>: user unknown", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_per_message_fields_name_the_reporting_mta_and_the_arrival()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        var fields = PerMessage(message);
        Assert.Equal("dns; mail.local.test", fields["Reporting-MTA"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(fields["Arrival-Date"], out var arrival));
        Assert.Equal(Arrived, arrival);
        Assert.False(fields.Contains("Original-Envelope-Id"));
    }

    [Fact]
    public async Task The_per_recipient_fields_describe_the_failure()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()]);
        var fields = PerRecipient(message);
        Assert.Equal("rfc822; rcpt@example.net", fields["Final-Recipient"]);
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.1.1", fields["Status"]);
        Assert.Equal("dns; mx.example.net", fields["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <rcpt@example.net>: user unknown", fields["Diagnostic-Code"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(fields["Last-Attempt-Date"], out var last));
        Assert.Equal(Now.AddMinutes(-1), last);
        Assert.False(fields.Contains("Original-Recipient"));
        Assert.False(fields.Contains("Will-Retry-Until"));
    }

    [Fact]
    public async Task A_local_diagnostic_is_marked_as_carrier_s_own_and_kept_on_one_line()
    {
        var recipient = Failed() with { Diagnostic = "mailbox store failed:\r\ndisk full", SmtpDiagnostic = false, RemoteMta = null };
        var (message, _) = await BuildAsync(Original(), [recipient]);
        var fields = PerRecipient(message);
        Assert.Equal("x-carrier; mailbox store failed:  disk full", fields["Diagnostic-Code"]);
        Assert.False(fields.Contains("Remote-MTA"));
    }

    [Fact]
    public async Task Original_recipient_is_given_when_the_client_sent_orcpt()
    {
        var (message, _) = await BuildAsync(Original(), [Failed(orcpt: "rfc822;alias@example.org")]);
        Assert.Equal("rfc822; alias@example.org", PerRecipient(message)["Original-Recipient"]);
    }

    [Fact]
    public async Task Original_envelope_id_is_given_when_the_client_sent_envid()
    {
        var (message, _) = await BuildAsync(Original(envelopeId: "QQ314159"), [Failed()]);
        Assert.Equal("QQ314159", PerMessage(message)["Original-Envelope-Id"]);
    }

    [Fact]
    public async Task Each_recipient_has_its_own_group()
    {
        var second = Failed("other@example.net") with { Status = "5.2.2", Diagnostic = "552 5.2.2 mailbox full" };
        var (message, _) = await BuildAsync(Original(), [Failed(), second]);
        Assert.Equal(3, Groups(message).Count);
        Assert.Equal("rfc822; other@example.net", PerRecipient(message, 1)["Final-Recipient"]);
        Assert.Equal("5.2.2", PerRecipient(message, 1)["Status"]);
    }

    // --- what comes back of the original ---------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("FULL")]
    public async Task A_small_original_comes_back_whole(string? ret)
    {
        var (message, _) = await BuildAsync(Original(ret: ret), [Failed()]);
        var returned = Assert.IsType<MessagePart>(Report(message)[2]).Message;
        Assert.NotNull(returned);
        Assert.Equal("the original", returned.Subject);
        Assert.Equal("orig@example.org", returned.MessageId);
        Assert.Equal("The original body.", returned.TextBody?.TrimEnd());
    }

    [Fact]
    public async Task Ret_hdrs_returns_only_the_headers()
    {
        var (message, _) = await BuildAsync(Original(ret: "HDRS"), [Failed()]);
        string headers = ReturnedHeaders(message);
        Assert.Contains("Subject: the original", headers, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <orig@example.org>", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("The original body.", headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_original_returns_only_its_headers_even_with_ret_full()
    {
        var (message, _) = await BuildAsync(Original(ret: "FULL", size: 5000), [Failed()], returnFullLimit: 4999);
        string headers = ReturnedHeaders(message);
        Assert.Contains("Subject: the original", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("The original body.", headers, StringComparison.Ordinal);

        var (atLimit, _) = await BuildAsync(Original(size: 5000), [Failed()], returnFullLimit: 5000);
        Assert.IsType<MessagePart>(Report(atLimit)[2]);
    }

    [Fact]
    public async Task Without_the_original_the_report_has_two_parts()
    {
        var (message, _) = await BuildAsync(Original(), [Failed()], withContent: false);
        Assert.Equal(2, Report(message).Count);
    }

    // --- delay and success notices -------------------------------------------------------------------------

    [Fact]
    public async Task A_delay_notice_says_until_when_it_will_retry_and_returns_headers_only()
    {
        var (message, _) = await BuildAsync(Original(), [Delayed()], DsnKind.Delay);
        Assert.Equal("Delayed Mail (still being retried)", message.Subject);
        var fields = PerRecipient(message);
        Assert.Equal("delayed", fields["Action"]);
        Assert.Equal("4.4.1", fields["Status"]);
        Assert.Equal("x-carrier; connect to mx.example.net[192.0.2.1]:25: Connection timed out", fields["Diagnostic-Code"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(fields["Will-Retry-Until"], out var until));
        Assert.Equal(Arrived.AddDays(5), until);
        Assert.DoesNotContain("The original body.", ReturnedHeaders(message), StringComparison.Ordinal);
        Assert.Contains("retried", Assert.IsType<TextPart>(Report(message)[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_success_notice_has_its_own_subject_and_returns_headers_only()
    {
        var delivered = Failed() with { Action = "delivered", Status = "2.0.0", Diagnostic = "250 2.0.0 Ok" };
        var (message, _) = await BuildAsync(Original(), [delivered], DsnKind.Success);
        Assert.Equal("Successful Mail Delivery Report", message.Subject);
        Assert.Equal("delivered", PerRecipient(message)["Action"]);
        Assert.Equal("2.0.0", PerRecipient(message)["Status"]);
        Assert.DoesNotContain("The original body.", ReturnedHeaders(message), StringComparison.Ordinal);
    }

    // --- NOTIFY --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null, true, true, false)]
    [InlineData("NEVER", false, false, false)]
    [InlineData("SUCCESS", false, false, true)]
    [InlineData("FAILURE", true, false, false)]
    [InlineData("DELAY", false, true, false)]
    [InlineData("FAILURE,DELAY", true, true, false)]
    [InlineData("SUCCESS,FAILURE,DELAY", true, true, true)]
    [InlineData("success,failure", true, false, true)]
    public void Wants_honours_notify(string? notify, bool failure, bool delay, bool success)
    {
        var recipient = Failed(notify: notify).Recipient;
        Assert.Equal(failure, BounceBuilder.Wants(recipient, DsnKind.Failure));
        Assert.Equal(delay, BounceBuilder.Wants(recipient, DsnKind.Delay));
        Assert.Equal(success, BounceBuilder.Wants(recipient, DsnKind.Success));
    }
}
