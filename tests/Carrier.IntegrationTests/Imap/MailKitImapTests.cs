using Carrier.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace Carrier.IntegrationTests.Imap;

/// <summary>MailKit's ImapClient, a client written by others, against the real server on loopback.</summary>
public sealed class MailKitImapTests : IAsyncLifetime
{
    private const string Password = "password-of-test-user";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync() => _carrier = await TestCarrier.StartAsync();

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private async Task<ImapClient> ConnectAsync(string user)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", _carrier.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, Password);
        return client;
    }

    private static MimeMessage Message(string subject, string body, string from = "alice@example.org")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("bob@local.test"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private async Task DeliverBySmtpAsync(string recipient, string subject)
    {
        await using var smtp = await SmtpWire.ConnectAsync(_carrier.SmtpPort);
        await smtp.CommandAsync("EHLO client.example");
        await smtp.CommandAsync("MAIL FROM:<carol@example.org>");
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{recipient}>"), StringComparison.Ordinal);
        await smtp.CommandAsync("DATA");
        Assert.StartsWith("250", await smtp.CommandAsync($"From: carol@example.org\r\nSubject: {subject}\r\n\r\nDelivered by SMTP.\r\n."), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_select_fetch_summaries_search_and_store_flags()
    {
        await _carrier.AddUserAsync("bob@local.test", Password);
        using var client = await ConnectAsync("bob@local.test");
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));

        var inbox = client.Inbox;
        var appended = await inbox.AppendAsync(Message("Budget 2024", "Numbers attached."), MessageFlags.None);
        await inbox.AppendAsync(Message("Lunch", "Pizza on Friday?", "dave@example.org"), MessageFlags.Flagged);
        Assert.Equal(1u, appended!.Value.Id);

        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(2, inbox.Count);
        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure);
        Assert.Equal(["Budget 2024", "Lunch"], summaries.Select(s => s.Envelope!.Subject));
        Assert.Equal("dave@example.org", summaries[1].Envelope!.From.Mailboxes.Single().Address);
        Assert.True(summaries[1].Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.Equal("text/plain", summaries[0].Body!.ContentType.MimeType);

        var found = await inbox.SearchAsync(SearchQuery.SubjectContains("lunch"));
        Assert.Equal([summaries[1].UniqueId], found);
        Assert.Equal([summaries[0].UniqueId], await inbox.SearchAsync(SearchQuery.BodyContains("numbers").And(SearchQuery.NotFlagged)));

        var request = new StoreFlagsRequest(StoreAction.Add, MessageFlags.Answered) { Silent = true };
        request.Keywords.Add("$Label1");
        await inbox.StoreAsync(summaries[0].UniqueId, request);
        var message = await inbox.GetMessageAsync(summaries[0].UniqueId);
        Assert.Equal("Numbers attached.", message.TextBody!.Trim());
        var after = await inbox.FetchAsync([summaries[0].UniqueId], MessageSummaryItems.Flags);
        Assert.True(after[0].Flags!.Value.HasFlag(MessageFlags.Answered));

        // MailKit downloads with BODY.PEEK[], which leaves \Seen alone.
        Assert.False(after[0].Flags!.Value.HasFlag(MessageFlags.Seen));
        Assert.Contains("$Label1", after[0].Keywords);
        await client.DisconnectAsync(true);
    }

    private async Task DeliverThreadMessageAsync(string recipient, string subject, string messageId, string references, int day)
    {
        await using var smtp = await SmtpWire.ConnectAsync(_carrier.SmtpPort);
        await smtp.CommandAsync("EHLO client.example");
        await smtp.CommandAsync("MAIL FROM:<carol@example.org>");
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{recipient}>"), StringComparison.Ordinal);
        await smtp.CommandAsync("DATA");
        string header = $"From: Carol <carol@example.org>\r\nTo: {recipient}\r\nSubject: {subject}\r\nMessage-ID: {messageId}\r\n{references}Date: {day} Mar 2024 09:00:00 +0000\r\n";
        Assert.StartsWith("250", await smtp.CommandAsync(header + "\r\nDelivered by SMTP.\r\n."), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sort_thread_recent_and_a_saved_search_result_on_mail_delivered_by_SMTP()
    {
        const string user = "ivan@local.test";
        await _carrier.AddUserAsync(user, Password);
        (string Subject, string Id, string References)[] mails =
        [
            ("Quarterly report", "<q1@example.org>", string.Empty),
            ("Re: Quarterly report", "<q2@example.org>", "In-Reply-To: <q1@example.org>\r\n"),
            ("Apples", "<a1@example.org>", string.Empty),
            ("Re: [team] Quarterly report", "<q3@example.org>", "References: <q1@example.org> <q2@example.org>\r\n"),
        ];
        for (int i = 0; i < mails.Length; i++)
        {
            await DeliverThreadMessageAsync(user, mails[i].Subject, mails[i].Id, mails[i].References, i + 1);
            await _carrier.WaitForMessagesAsync(user, i + 1);
        }

        using var client = await ConnectAsync(user);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.SearchResults));
        Assert.Contains(ThreadingAlgorithm.References, client.ThreadingAlgorithms);
        Assert.Contains(ThreadingAlgorithm.OrderedSubject, client.ThreadingAlgorithms);

        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(4, inbox.Recent);

        var bySubject = await inbox.SortAsync(SearchQuery.All, [OrderBy.Subject]);
        Assert.Equal([3u, 1u, 2u, 4u], bySubject.Select(u => u.Id));
        var newestFirst = await inbox.SortAsync(SearchQuery.SubjectContains("quarterly"), [OrderBy.ReverseDate]);
        Assert.Equal([4u, 2u, 1u], newestFirst.Select(u => u.Id));
        var bySender = await inbox.SortAsync(SearchQuery.All, [OrderBy.DisplayFrom, OrderBy.ReverseDate]);
        Assert.Equal([4u, 3u, 2u, 1u], bySender.Select(u => u.Id));

        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
        Assert.Equal(2, threads.Count);
        Assert.Equal(1u, threads[0].UniqueId!.Value.Id);
        Assert.Equal(2u, threads[0].Children.Single().UniqueId!.Value.Id);
        Assert.Equal(4u, threads[0].Children.Single().Children.Single().UniqueId!.Value.Id);
        Assert.Equal(3u, threads[1].UniqueId!.Value.Id);

        // SEARCHRES: the saved result of one SEARCH is "$" in the next command.
        var imapInbox = (ImapFolder)inbox;
        await imapInbox.SearchAsync("RETURN (SAVE) SUBJECT apples");
        var saved = await imapInbox.SearchAsync("UID $");
        Assert.Equal([3u], saved.UniqueIds.Select(u => u.Id));
    }

    [Fact]
    public async Task Copy_move_expunge_and_folder_management()
    {
        await _carrier.AddUserAsync("erin@local.test", Password);
        using var client = await ConnectAsync("erin@local.test");
        var inbox = client.Inbox;
        for (int i = 0; i < 3; i++)
        {
            await inbox.AppendAsync(Message($"Item {i}", "body"));
        }

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var projects = await personal.CreateAsync("Projects", true) ?? throw new InvalidOperationException("CREATE returned no folder");
        var archive = await client.GetFolderAsync("Archive");
        Assert.True(archive.Attributes.HasFlag(FolderAttributes.Archive));

        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        var copied = await inbox.CopyToAsync(uids[0], projects);
        Assert.NotNull(copied);
        var moved = await inbox.MoveToAsync(uids[1], archive);
        Assert.NotNull(moved);
        Assert.Equal(2, inbox.Count);

        await inbox.AddFlagsAsync(uids[2], MessageFlags.Deleted, true);
        await inbox.ExpungeAsync();
        Assert.Equal(1, inbox.Count);

        await projects.RenameAsync(personal, "Work");
        var folders = await personal.GetSubfoldersAsync();
        Assert.Contains(folders, f => f.Name == "Work");
        Assert.DoesNotContain(folders, f => f.Name == "Projects");
        await archive.StatusAsync(StatusItems.Count | StatusItems.UidNext);
        Assert.Equal(1, archive.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Idle_sees_a_message_delivered_by_SMTP()
    {
        await _carrier.AddUserAsync("frank@local.test", Password);
        using var client = await ConnectAsync("frank@local.test");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(inbox.Count);

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await DeliverBySmtpAsync("frank@local.test", "Arrives during IDLE");
        int count = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await done.CancelAsync();
        await idle;

        Assert.Equal(1, count);
        var summary = (await inbox.FetchAsync(0, 0, MessageSummaryItems.Envelope))[0];
        Assert.Equal("Arrives during IDLE", summary.Envelope!.Subject);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Two_clients_see_each_others_flags_expunges_and_new_mail()
    {
        await _carrier.AddUserAsync("grace@local.test", Password);
        using var first = await ConnectAsync("grace@local.test");
        using var second = await ConnectAsync("grace@local.test");
        await first.Inbox.AppendAsync(Message("one", "1"));
        await first.Inbox.AppendAsync(Message("two", "2"));
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var flagsSeen = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        second.Inbox.MessageFlagsChanged += (_, e) => flagsSeen.TrySetResult(e.Flags);
        await first.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, true);
        await second.NoOpAsync();
        Assert.True((await flagsSeen.Task.WaitAsync(TimeSpan.FromSeconds(10))).HasFlag(MessageFlags.Flagged));

        await first.Inbox.AddFlagsAsync(0, MessageFlags.Deleted, true);
        await first.Inbox.ExpungeAsync();
        await DeliverBySmtpAsync("grace@local.test", "three");
        await _carrier.WaitForMessagesAsync("grace@local.test", 2);
        await second.NoOpAsync();
        Assert.Equal(2, second.Inbox.Count);
        var subjects = await second.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);
        Assert.Equal(["two", "three"], subjects.Select(s => s.Envelope!.Subject));

        await first.DisconnectAsync(true);
        await second.DisconnectAsync(true);
    }
}
