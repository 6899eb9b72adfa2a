using Carrier.IntegrationTests.Infrastructure;
using static Carrier.IntegrationTests.Infrastructure.SharedCarrierServer;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>
/// <c>carrier sendmail</c> as scripts and cron use sendmail: a message on standard input, the
/// envelope from arguments or headers, sysexits.h exit codes; also under the names sendmail and mailq.
/// </summary>
[Collection(SharedCarrierServerCollection.Name)]
public sealed class SendmailTests(SharedCarrierServer shared)
{
    // sysexits.h, as documented in 'carrier sendmail --help'.
    private const int ExUsage = 64;
    private const int ExDataErr = 65;
    private const int ExNoUser = 67;

    [Fact]
    public async Task Recipients_as_arguments_and_f_set_the_envelope_and_missing_headers_are_added()
    {
        string subject = $"sendmail args {Guid.NewGuid():N}";
        var run = await shared.Data.SendmailAsync($"Subject: {subject}\n\nfrom a script\n", "-f", "bob@example.org", Alice);
        run.ExpectSuccess();

        var message = await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        Assert.Equal("<bob@example.org>", message.Header("Return-Path"));
        Assert.Equal("<bob@example.org>", message.Header("From"));
        Assert.NotNull(message.Header("Date"));
        Assert.EndsWith($"@{CarrierDataDirectory.Hostname}", message.Message.MessageId, StringComparison.Ordinal);
        Assert.Contains($"by {CarrierDataDirectory.Hostname} (Carrier sendmail", message.Header("Received"), StringComparison.Ordinal);
        Assert.Equal("from a script\n", message.Text);
    }

    [Fact]
    public async Task Dash_t_takes_recipients_from_the_headers_and_removes_Bcc()
    {
        string subject = $"sendmail -t {Guid.NewGuid():N}";
        var run = await shared.Data.SendmailAsync($"From: Bob <bob@example.org>\nTo: {Alice}\nCc: Carol <{Carol}>\nBcc: {Bob}\nSubject: {subject}\n\nto three\n", "-t", "-f", "bob@example.org");
        run.ExpectSuccess();

        foreach (string user in new[] { Alice, Bob, Carol })
        {
            var copy = await shared.Data.WaitForMessageAsync(user, m => m.Message.Subject == subject);
            Assert.Equal(user, copy.Header("Delivered-To"));
            Assert.Null(copy.Header("Bcc"));
            Assert.Equal("Bob <bob@example.org>", copy.Header("From"));
        }
    }

    [Fact]
    public async Task Dash_F_names_the_sender_in_the_From_header_it_adds()
    {
        string subject = $"sendmail -F {Guid.NewGuid():N}";
        (await shared.Data.SendmailAsync($"Subject: {subject}\n\nsigned\n", "-F", "Bob Builder", "-f", Bob, Alice)).ExpectSuccess();

        var message = await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        var from = Assert.Single(message.Message.From.Mailboxes);
        Assert.Equal("Bob Builder", from.Name);
        Assert.Equal(Bob, from.Address);
    }

    [Fact]
    public async Task A_lone_dot_ends_the_message_unless_dash_i_is_given()
    {
        string tag = Guid.NewGuid().ToString("N");
        (await shared.Data.SendmailAsync($"Subject: dot ends {tag}\n\nbefore\n.\nafter\n", Alice)).ExpectSuccess();
        (await shared.Data.SendmailAsync($"Subject: dot kept {tag}\n\nbefore\n.\nafter\n", "-i", Alice)).ExpectSuccess();
        (await shared.Data.SendmailAsync($"Subject: dot kept oi {tag}\n\nbefore\n.\nafter\n", "-oi", Alice)).ExpectSuccess();

        Assert.Equal("before\n", (await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == $"dot ends {tag}")).Text);
        Assert.Equal("before\n.\nafter\n", (await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == $"dot kept {tag}")).Text);
        Assert.Equal("before\n.\nafter\n", (await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == $"dot kept oi {tag}")).Text);
    }

    [Fact]
    public async Task Failures_exit_with_the_sysexits_codes_and_queue_nothing()
    {
        string tag = Guid.NewGuid().ToString("N");
        var unknown = await shared.Data.SendmailAsync($"Subject: {tag}\n\nx\n", $"nobody-{tag}@local.test");
        unknown.Expect(ExNoUser);
        Assert.Contains("user unknown", unknown.Output, StringComparison.Ordinal);

        (await shared.Data.SendmailAsync("Subject: x\n\nx\n", "--no-such-option", Alice)).Expect(ExUsage);
        (await shared.Data.SendmailAsync("Subject: x\n\nx\n")).Expect(ExUsage);
        (await shared.Data.SendmailAsync("Subject: x\n\nx\n", "not an address@@")).Expect(ExDataErr);
        (await shared.Data.SendmailAsync("Subject: x\n\nx\n", "-f", "bad sender@@", Alice)).Expect(ExDataErr);

        var queue = (await shared.Data.RunAsync("queue", "list")).ExpectSuccess();
        Assert.DoesNotContain(tag, queue.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoked_through_symlinks_named_sendmail_and_mailq_it_behaves_as_those()
    {
        string links = shared.Data.Scratch($"bin-{Guid.NewGuid():N}");
        string sendmail = Path.Combine(links, "sendmail");
        string mailq = Path.Combine(links, "mailq");
        File.CreateSymbolicLink(sendmail, RepositoryPaths.CarrierExecutable);
        File.CreateSymbolicLink(mailq, RepositoryPaths.CarrierExecutable);

        string subject = $"via symlink {Guid.NewGuid():N}";
        var run = await CommandResult.RunAsync(sendmail, ["-oi", "-f", "root@local.test", "--data", shared.Data.Path, Alice], CarrierDataDirectory.CliEnvironment, System.Text.Encoding.UTF8.GetBytes($"Subject: {subject}\n\nfrom cron\n"));
        run.ExpectSuccess();
        var message = await shared.Data.WaitForMessageAsync(Alice, m => m.Message.Subject == subject);
        Assert.Equal("<root@local.test>", message.Header("Return-Path"));

        var queue = await CommandResult.RunAsync(mailq, ["--data", shared.Data.Path], CarrierDataDirectory.CliEnvironment);
        queue.ExpectSuccess();
        Assert.Matches("Mail queue is empty|-Queue ID-", queue.StandardOutput);
    }
}
