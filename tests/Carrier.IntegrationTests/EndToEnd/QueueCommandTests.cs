using System.Text.RegularExpressions;
using Carrier.IntegrationTests.Infrastructure;
using MimeKit;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// <c>carrier queue</c> on messages that cannot be delivered yet: held ones, ones deferred by a peer
/// that is down, ones to a user deleted after acceptance.
/// </summary>
public sealed partial class QueueCommandTests
{
    private const string Alice = "alice@local.test";
    private const string Bob = "bob@local.test";

    [Fact]
    public async Task Held_messages_wait_until_released_and_deleted_ones_never_arrive()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);
        string tag = Guid.NewGuid().ToString("N");

        // With no server running, sendmail only queues.
        (await data.SendmailAsync($"Subject: held {tag}\n\nwait\n", "-f", "root@local.test", Alice)).ExpectSuccess();
        string held = Assert.Single(QueueIds((await data.RunAsync("queue", "list")).ExpectSuccess().StandardOutput));
        (await data.SendmailAsync($"Subject: deleted {tag}\n\nnever\n", "-f", "root@local.test", Alice)).ExpectSuccess();
        string deleted = Assert.Single(QueueIds((await data.RunAsync("queue", "list")).StandardOutput), id => id != held);

        Assert.Contains("hold: 2 messages", (await data.RunAsync("queue", "hold", held, deleted)).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        var list = (await data.RunAsync("queue", "list")).ExpectSuccess().StandardOutput;
        Assert.Contains($"{held}!", list, StringComparison.Ordinal);
        Assert.Contains(Alice, list, StringComparison.Ordinal);
        var show = (await data.RunAsync("queue", "show", held, "--content")).ExpectSuccess().StandardOutput;
        Assert.Contains($"Queue id:     {held}  (held)", show, StringComparison.Ordinal);
        Assert.Contains("Sender:       root@local.test", show, StringComparison.Ordinal);
        Assert.Contains($"Subject: held {tag}", show, StringComparison.Ordinal);

        Assert.Contains("delete: 1 message", (await data.RunAsync("queue", "delete", deleted)).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(deleted, (await data.RunAsync("queue", "list")).StandardOutput, StringComparison.Ordinal);
        (await data.RunAsync("queue", "show", deleted)).Expect(1);
        (await data.RunAsync("queue", "release", deleted)).Expect(1);

        using var server = await CarrierServerProcess.StartAsync(data);

        // A message queued after the hold is delivered; the held one, queued before it, is still waiting.
        (await data.SendmailAsync($"Subject: flowing {tag}\n\ngo\n", Alice)).ExpectSuccess();
        await data.WaitForMessageAsync(Alice, m => m.Message.Subject == $"flowing {tag}");
        Assert.DoesNotContain((await data.ExportAsync(Alice)).Messages, m => m.Message.Subject == $"held {tag}");
        Assert.Contains($"{held}!", (await data.RunAsync("queue", "list")).StandardOutput, StringComparison.Ordinal);

        Assert.Contains("release: 1 message", (await data.RunAsync("queue", "release", held)).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        await data.WaitForMessageAsync(Alice, m => m.Message.Subject == $"held {tag}");
        await data.WaitForEmptyQueueAsync();
        Assert.DoesNotContain((await data.ExportAsync(Alice)).Messages, m => m.Message.Subject == $"deleted {tag}");
        Assert.Equal(0, await server.StopAsync());
    }

    [Fact]
    public async Task A_message_deferred_by_a_peer_that_is_down_is_retried_by_flush_and_delivered()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        using var peer = new AiosmtpdPeer(data.Scratch("peers"));
        using var server = await CarrierServerProcess.StartAsync(data, new Dictionary<string, string> { ["Transport:Routes:remote.test"] = peer.Route });

        string subject = $"to a peer {Guid.NewGuid():N}";
        (await data.SendmailAsync($"Subject: {subject}\n\nover the wire\n", "-f", "root@local.test", "someone@remote.test")).ExpectSuccess();
        string id = Assert.Single(QueueIds((await data.RunAsync("queue", "list")).StandardOutput));
        await server.WaitForLogAsync(l => l.Contains($"{id}: to=<someone@remote.test>", StringComparison.Ordinal) && l.Contains("status=deferred", StringComparison.Ordinal), "the deferral");
        var show = (await data.RunAsync("queue", "show", id)).ExpectSuccess().StandardOutput;
        Assert.Contains("deferred attempts=1", show, StringComparison.Ordinal);
        Assert.Contains("Connection refused", show, StringComparison.Ordinal);

        await peer.StartAsync();
        Assert.Contains("flush: 1 recipient due now", (await data.RunAsync("queue", "flush")).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        await server.WaitForRemovedAsync(id);
        Assert.True(
            server.LogOf(id).Any(l => l.Contains("status=sent", StringComparison.Ordinal) && l.Contains(peer.Route, StringComparison.Ordinal)),
            string.Join("\n", server.LogOf(id)));

        var received = Assert.Single(peer.Received());
        Assert.Equal(subject, received.Subject);
        Assert.Equal("over the wire", received.TextBody?.Trim());
        Assert.Equal("root@local.test", received.Headers["X-MailFrom"]);
    }

    [Fact]
    public async Task Mail_to_a_user_deleted_after_acceptance_is_returned_to_the_sender_with_a_DSN()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);
        await data.AddUserAsync(Bob);
        string subject = $"for bob {Guid.NewGuid():N}";
        (await data.SendmailAsync($"Subject: {subject}\n\nhello bob\n", "-f", Alice, Bob)).ExpectSuccess();
        (await data.RunAsync("user", "del", Bob)).ExpectSuccess();

        using var server = await CarrierServerProcess.StartAsync(data);
        var bounce = await data.WaitForMessageAsync(Alice, m => m.Message.Body is MultipartReport);
        Assert.Equal("<>", bounce.Header("Return-Path"));
        var report = Assert.IsType<MultipartReport>(bounce.Message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = report.OfType<MessageDeliveryStatus>().Single();
        var recipient = status.StatusGroups[1];
        Assert.Equal($"rfc822;{Bob}", recipient["Final-Recipient"]?.Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Contains(subject, bounce.Message.BodyParts.OfType<MessagePart>().Select(p => p.Message?.Subject ?? string.Empty));
        await data.WaitForEmptyQueueAsync();
    }

    /// <summary>The queue ids in <c>carrier queue list</c> output (a trailing '!' marks a held message).</summary>
    private static List<string> QueueIds(string list) =>
        [.. list.Split('\n').Select(l => QueueIdColumn().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("^([0-9A-Z]{12,})!? ")]
    private static partial Regex QueueIdColumn();
}
