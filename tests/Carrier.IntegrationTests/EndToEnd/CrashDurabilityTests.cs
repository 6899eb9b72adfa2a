using Carrier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// The durability promise seen from outside: a 250 means the message survives <c>kill -9</c>. Several
/// smtplib clients push a bounded load, the server is killed in the middle, restarted, and every
/// acknowledged message must be in the mailbox exactly once.
/// </summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Messages = 200;
    private const int Clients = 4;
    private const int KillAfterAcknowledged = 70;
    private const string Alice = "alice@local.test";

    [Fact]
    public async Task Every_acknowledged_message_is_delivered_exactly_once_after_a_SIGKILL_under_load()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        await data.AddUserAsync(Alice);
        var server = await CarrierServerProcess.StartAsync(data);
        try
        {
            string tag = Guid.NewGuid().ToString("N");
            using var load = ChildProcess.Start(RepositoryPaths.Python, [RepositoryPaths.Script("load_send.py"), "127.0.0.1", server.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Messages.ToString(System.Globalization.CultureInfo.InvariantCulture), Clients.ToString(System.Globalization.CultureInfo.InvariantCulture), Alice, tag]);
            await load.WaitForLineAsync(_ => load.CountLines(l => l.StartsWith("ACK ", StringComparison.Ordinal)) >= KillAfterAcknowledged, TimeSpan.FromSeconds(120), $"{KillAfterAcknowledged} acknowledged messages");
            server.Kill();
            Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(120)));

            var acknowledged = load.Lines.Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();
            int failed = load.CountLines(l => l.StartsWith("FAIL ", StringComparison.Ordinal));
            Assert.Equal(Messages, acknowledged.Count + failed);
            Assert.True(failed > 0, $"the kill came too late to interrupt the load:\n{load.Output}");

            var restarted = await server.RestartAsync();
            server.Dispose();
            server = restarted;
            await data.WaitForEmptyQueueAsync(TimeSpan.FromSeconds(120));

            var delivered = (await data.ExportAsync(Alice)).Messages.Select(m => m.Message.MessageId).ToList();
            var deliveredTwice = delivered.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            var lost = acknowledged.Where(id => !delivered.Contains(id.Trim('<', '>'))).ToList();
            output.WriteLine($"acknowledged {acknowledged.Count}, refused or cut off {failed}, delivered {delivered.Count} (of which {delivered.Count - acknowledged.Count} were in flight at the kill)");
            Assert.Empty(lost);
            Assert.Empty(deliveredTwice);

            // The queue resumes: the restarted server accepts and delivers new mail.
            string subject = $"after the crash {tag}";
            var swaks = await CommandResult.RunAsync("swaks", ["--server", $"127.0.0.1:{server.SmtpPort}", "--from", "bob@example.org", "--to", Alice, "--header", $"Subject: {subject}"]);
            swaks.ExpectSuccess();
            await data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        }
        finally
        {
            server.Dispose();
        }
    }
}
