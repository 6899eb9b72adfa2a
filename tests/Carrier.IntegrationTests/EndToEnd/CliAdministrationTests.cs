using System.Text;
using Carrier.IntegrationTests.Infrastructure;
using static Carrier.IntegrationTests.Infrastructure.SharedCarrierServer;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// Accounts, domains and aliases changed with the CLI while the server runs: each change shows in the
/// list commands and in what the server accepts and delivers.
/// </summary>
[Collection(SharedCarrierServerCollection.Name)]
public sealed class CliAdministrationTests(SharedCarrierServer shared)
{
    [Fact]
    public async Task A_user_added_receives_mail_and_a_user_deleted_is_refused_550_5_1_1()
    {
        string dave = $"dave-{Guid.NewGuid():N}"[..13] + "@local.test";
        await shared.Data.AddUserAsync(dave);
        Assert.Contains(dave, (await shared.Data.RunAsync("user", "list")).ExpectSuccess().StandardOutput, StringComparison.Ordinal);

        string subject = $"welcome {Guid.NewGuid():N}";
        await AcceptedAsync(dave, subject);
        await shared.Data.WaitForMessageAsync(dave, m => m.Message.Subject == subject);

        (await shared.Data.RunAsync("user", "del", dave)).ExpectSuccess();
        Assert.DoesNotContain(dave, (await shared.Data.RunAsync("user", "list")).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith("550 5.1.1", await RcptReplyAsync(dave), StringComparison.Ordinal);
        Assert.NotEqual(0, (await shared.Data.RunAsync("user", "del", dave)).ExitCode);
    }

    [Fact]
    public async Task Passwd_changes_which_password_a_POP3_client_can_log_in_with()
    {
        string erin = $"erin-{Guid.NewGuid():N}"[..13] + "@local.test";
        await shared.Data.AddUserAsync(erin, "first password");
        Assert.StartsWith("OK ", await Pop3LoginAsync(erin, "first password"), StringComparison.Ordinal);

        (await shared.Data.RunAsync(["user", "passwd", erin, "--password-stdin"], Encoding.UTF8.GetBytes("second password\n"))).ExpectSuccess();
        Assert.StartsWith("REFUSED", await Pop3LoginAsync(erin, "first password"), StringComparison.Ordinal);
        Assert.StartsWith("OK ", await Pop3LoginAsync(erin, "second password"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alias_delivers_to_every_target_until_it_is_deleted()
    {
        string team = $"team-{Guid.NewGuid():N}"[..13] + "@local.test";
        (await shared.Data.RunAsync("alias", "add", team, Alice, Bob)).ExpectSuccess();
        string listed = (await shared.Data.RunAsync("alias", "list")).ExpectSuccess().StandardOutput;
        Assert.Contains($"-> {Alice}, {Bob}", listed.Split('\n').Single(l => l.StartsWith(team, StringComparison.Ordinal)), StringComparison.Ordinal);

        string subject = $"to the team {Guid.NewGuid():N}";
        await AcceptedAsync(team, subject);
        foreach (string member in new[] { Alice, Bob })
        {
            var copy = await shared.Data.WaitForMessageAsync(member, m => m.Message.Subject == subject);
            Assert.Equal(member, copy.Header("Delivered-To"));
        }

        (await shared.Data.RunAsync("alias", "del", team, Bob)).ExpectSuccess();
        Assert.Contains($"-> {Alice}", (await shared.Data.RunAsync("alias", "list")).StandardOutput, StringComparison.Ordinal);
        (await shared.Data.RunAsync("alias", "del", team)).ExpectSuccess();
        Assert.DoesNotContain(team, (await shared.Data.RunAsync("alias", "list")).StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith("550 5.1.1", await RcptReplyAsync(team), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_added_receives_mail_for_its_users_and_once_deleted_it_is_foreign_again()
    {
        string domain = $"d{Guid.NewGuid():N}"[..12] + ".test";
        string frank = $"frank@{domain}";
        (await shared.Data.RunAsync("domain", "add", domain)).ExpectSuccess();
        Assert.Contains(domain, (await shared.Data.RunAsync("domain", "list")).ExpectSuccess().StandardOutput, StringComparison.Ordinal);
        Assert.Contains("local.test", (await shared.Data.RunAsync("domain", "list")).StandardOutput, StringComparison.Ordinal);

        await shared.Data.AddUserAsync(frank);
        string subject = $"new domain {Guid.NewGuid():N}";
        await AcceptedAsync(frank, subject);
        await shared.Data.WaitForMessageAsync(frank, m => m.Message.Subject == subject);

        (await shared.Data.RunAsync("user", "del", frank)).ExpectSuccess();
        (await shared.Data.RunAsync("domain", "del", domain)).ExpectSuccess();
        Assert.DoesNotContain(domain, (await shared.Data.RunAsync("domain", "list")).StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", await RcptReplyAsync(frank), StringComparison.Ordinal);
    }

    private async Task AcceptedAsync(string recipient, string subject)
    {
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", [recipient], Encoding.ASCII.GetBytes($"From: <bob@example.org>\r\nSubject: {subject}\r\n\r\nhello\r\n")));
        Assert.True(results.Single().DataCode == 250, results.Single().Json.ToJsonString());
    }

    private async Task<string> RcptReplyAsync(string recipient)
    {
        var (_, results) = await Smtplib.SendAsync(shared.SmtpPort, new SmtplibMessage("bob@example.org", [recipient], Encoding.ASCII.GetBytes("Subject: x\r\n\r\nx\r\n")));
        return results.Single().Recipients.Single().Text;
    }

    private async Task<string> Pop3LoginAsync(string user, string password)
    {
        var run = await CommandResult.RunAsync(RepositoryPaths.Python, [RepositoryPaths.Script("pop3_login.py"), "127.0.0.1", shared.Server.Pop3Port.ToString(System.Globalization.CultureInfo.InvariantCulture), user, password]);
        return run.StandardOutput;
    }
}
