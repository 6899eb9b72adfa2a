using System.Globalization;
using System.Text;
using Carrier.Store.Mailboxes;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Imap;

/// <summary>curl's imap:// and mbsync (isync) reading and synchronising mailboxes over IMAP.</summary>
public sealed class CurlAndMbsyncTests : Pop3TestServer
{
    private string ImapUrl => $"imap://127.0.0.1:{Carrier.ImapPort.ToString(CultureInfo.InvariantCulture)}/";

    private static Task<ExternalProgram.Result> CurlAsync(params string[] arguments) =>
        ExternalProgram.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "-u", $"{Alice}:{Password}", .. arguments]);

    [Fact]
    public async Task Curl_lists_mailboxes_searches_and_fetches_a_message_by_uid()
    {
        await DeliverAsync(SmtpDelivery.Message("curl imap one", "first body"), SmtpDelivery.Message("curl imap two", "second body"));
        var inbox = await InboxAsync();

        var list = await CurlAsync(ImapUrl);
        Assert.True(list.ExitCode == 0, list.ToString());
        foreach (string name in new[] { "INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive" })
        {
            Assert.Contains($" \"/\" {name}", list.Output, StringComparison.Ordinal);
        }

        var search = await CurlAsync(ImapUrl + "INBOX?SUBJECT%20%22imap%20two%22");
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Equal("* SEARCH 2", search.Output.Trim());

        var fetch = await CurlAsync($"{ImapUrl}INBOX;UID={inbox[1].Uid.ToString(CultureInfo.InvariantCulture)}");
        Assert.True(fetch.ExitCode == 0, fetch.ToString());
        Assert.Equal(Encoding.UTF8.GetString(Stored[1]), fetch.Output);
    }

    [Fact]
    public async Task Curl_reports_a_wrong_password()
    {
        var result = await ExternalProgram.RunAsync("/usr/bin/curl", ["-sS", "--max-time", "20", "-u", $"{Alice}:wrong", ImapUrl]);

        Assert.Equal(67, result.ExitCode);
    }

    [Fact]
    public async Task Mbsync_pulls_the_inbox_and_pushes_a_local_message_both_ways()
    {
        await DeliverAsync(SmtpDelivery.Message("mbsync one", "first body"), SmtpDelivery.Message("mbsync two", "second body"));
        using var local = new TempDirectory("mbsync");
        string maildir = local.Combine("mail");
        System.IO.Directory.CreateDirectory(maildir);
        string config = local.Combine("mbsyncrc");
        await File.WriteAllTextAsync(config, $"""
            IMAPAccount carrier
            Host 127.0.0.1
            Port {Carrier.ImapPort.ToString(CultureInfo.InvariantCulture)}
            User {Alice}
            Pass "{Password}"
            SSLType None
            AuthMechs LOGIN

            IMAPStore remote
            Account carrier

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX
            SubFolders Verbatim

            Channel mail
            Far :remote:
            Near :local:
            Patterns INBOX Archive
            Create Both
            Expunge Both
            SyncState *

            """);

        var first = await ExternalProgram.RunAsync("/usr/bin/mbsync", ["-c", config, "-a"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var pulled = LocalMessages(Path.Combine(maildir, "INBOX"));
        Assert.Equal(2, pulled.Count);
        Assert.Contains(pulled, m => m.Contains("Subject: mbsync one", StringComparison.Ordinal));
        Assert.Contains(pulled, m => m.Contains("Subject: mbsync two", StringComparison.Ordinal));

        // A message filed locally into Archive goes up to the server on the next run.
        string archive = Path.Combine(maildir, "Archive");
        System.IO.Directory.CreateDirectory(Path.Combine(archive, "new"));
        await File.WriteAllTextAsync(
            Path.Combine(archive, "new", "1700000000.local.host"),
            "From: alice@local.test\r\nTo: alice@local.test\r\nSubject: filed locally\r\nDate: Wed, 2 Dec 2026 03:00:00 +0000\r\n\r\nkept for later\r\n");
        var second = await ExternalProgram.RunAsync("/usr/bin/mbsync", ["-c", config, "-a"]);
        Assert.True(second.ExitCode == 0, second.ToString());

        var archived = await Carrier.Server.Store.Mailboxes.ListMessagesAsync((await Carrier.MailboxAsync(Alice, "Archive")).Id, CancellationToken.None);
        var message = Assert.Single(archived);
        string stored = Encoding.UTF8.GetString(await ReadAsync(message));
        Assert.Contains("Subject: filed locally", stored, StringComparison.Ordinal);
        Assert.Contains("kept for later", stored, StringComparison.Ordinal);
    }

    private async Task<byte[]> ReadAsync(MessageInfo message)
    {
        await using var content = (await Carrier.Server.Store.Mailboxes.OpenMessageAsync(message.MailboxId, message.Uid, CancellationToken.None))!;
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static List<string> LocalMessages(string folder) =>
        [.. new[] { "new", "cur" }
            .Select(sub => Path.Combine(folder, sub))
            .Where(System.IO.Directory.Exists)
            .SelectMany(System.IO.Directory.GetFiles)
            .Select(File.ReadAllText)];
}
