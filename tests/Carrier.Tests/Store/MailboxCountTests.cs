using System.Text;
using Carrier.Store.Embedded;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Carrier.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Tests.Store;

/// <summary>
/// The message count a mailbox reports (IMAP's EXISTS, POP3's STAT) is kept by the store rather than counted
/// on every open; it has to follow every way a message arrives or leaves.
/// </summary>
public sealed class MailboxCountTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("store-count");
    private EmbeddedStore _store = null!;
    private long _accountId;

    private static CancellationToken None => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);
        var account = await _store.Accounts.CreateAccountAsync("alice@local.test", "hash", DefaultMailbox.Standard, None);
        _accountId = account.Id;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<int> CountAsync(string mailbox) =>
        (await _store.Mailboxes.GetMailboxAsync(_accountId, mailbox, None))!.MessageCount;

    private async Task<long> MailboxIdAsync(string mailbox) =>
        (await _store.Mailboxes.GetMailboxAsync(_accountId, mailbox, None))!.Id;

    /// <summary>Appends <paramref name="count"/> messages sharing one new blob; returns their UIDs.</summary>
    private async Task<List<uint>> AppendAsync(string mailbox, int count, string? deliveryKeyPrefix = null)
    {
        long mailboxId = await MailboxIdAsync(mailbox);
        var content = Encoding.ASCII.GetBytes("Subject: hello\r\n\r\nbody\r\n");
        var writer = _store.Blobs.CreateWriter();
        await writer.WriteAsync(content, None);
        var requests = Enumerable.Range(0, count)
            .Select(i => new AppendRequest(mailboxId, writer.BlobId, content.Length, ReadOnlyMemory<byte>.Empty, MessageFlags.None, [], DateTimeOffset.UtcNow, deliveryKeyPrefix is null ? null : $"{deliveryKeyPrefix}/{i}"))
            .ToList();
        var results = await _store.Mailboxes.AppendAsync(requests, writer, None);
        await writer.DisposeAsync();
        return [.. results.Select(r => r.Uid)];
    }

    [Fact]
    public async Task A_new_mailbox_is_empty_and_counts_every_append()
    {
        Assert.Equal(0, await CountAsync("INBOX"));

        await AppendAsync("INBOX", 3);
        await AppendAsync("INBOX", 2);

        Assert.Equal(5, await CountAsync("INBOX"));
        Assert.Equal(5, (await _store.Mailboxes.ListMessagesAsync(await MailboxIdAsync("INBOX"), None)).Count);
    }

    [Fact]
    public async Task A_repeated_delivery_is_not_counted_twice()
    {
        await AppendAsync("INBOX", 2, deliveryKeyPrefix: "Q1");
        await AppendAsync("INBOX", 2, deliveryKeyPrefix: "Q1");

        Assert.Equal(2, await CountAsync("INBOX"));
    }

    [Fact]
    public async Task Expunge_copy_and_move_keep_both_counts_right()
    {
        long inbox = await MailboxIdAsync("INBOX");
        long archive = await MailboxIdAsync("Archive");
        var uids = await AppendAsync("INBOX", 4);

        await _store.Mailboxes.StoreFlagsAsync(inbox, [uids[0]], FlagOperation.Add, MessageFlags.Deleted, [], null, None);
        await _store.Mailboxes.ExpungeAsync(inbox, null, None);
        Assert.Equal(3, await CountAsync("INBOX"));

        await _store.Mailboxes.CopyAsync(inbox, [uids[1]], archive, move: false, None);
        Assert.Equal(3, await CountAsync("INBOX"));
        Assert.Equal(1, await CountAsync("Archive"));

        await _store.Mailboxes.CopyAsync(inbox, [uids[2], uids[3]], archive, move: true, None);
        Assert.Equal(1, await CountAsync("INBOX"));
        Assert.Equal(3, await CountAsync("Archive"));
    }

    [Fact]
    public async Task Renaming_the_inbox_moves_its_count_to_the_new_mailbox()
    {
        await AppendAsync("INBOX", 3);

        await _store.Mailboxes.RenameMailboxAsync(_accountId, "INBOX", "Old", '/', None);

        Assert.Equal(0, await CountAsync("INBOX"));
        Assert.Equal(3, await CountAsync("Old"));
        var listed = await _store.Mailboxes.ListMailboxesAsync(_accountId, None);
        Assert.Equal(3, listed.Single(m => m.Name == "Old").MessageCount);
    }

    [Fact]
    public async Task Content_outlives_reference_changes_and_goes_with_the_last_reference()
    {
        long inbox = await MailboxIdAsync("INBOX");
        long archive = await MailboxIdAsync("Archive");
        var uid = (await AppendAsync("INBOX", 1))[0];
        await _store.Mailboxes.CopyAsync(inbox, [uid], archive, move: false, None);
        string blobId = (await _store.Mailboxes.ListMessagesAsync(inbox, None))[0].BlobId;

        await _store.Mailboxes.StoreFlagsAsync(inbox, [uid], FlagOperation.Add, MessageFlags.Deleted, [], null, None);
        await _store.Mailboxes.ExpungeAsync(inbox, null, None);
        await using (var copy = await _store.Mailboxes.OpenMessageAsync(archive, 1, None))
        using (var reader = new StreamReader(copy!))
        {
            Assert.Equal("Subject: hello\r\n\r\nbody\r\n", await reader.ReadToEndAsync());
        }

        await _store.Mailboxes.StoreFlagsAsync(archive, [1], FlagOperation.Add, MessageFlags.Deleted, [], null, None);
        await _store.Mailboxes.ExpungeAsync(archive, null, None);
        await Assert.ThrowsAsync<Carrier.Store.StoreException>(async () => await _store.Blobs.OpenReadAsync(blobId, None));
    }

    [Fact]
    public async Task Completing_an_attempt_says_whether_the_message_left_the_queue()
    {
        var now = DateTimeOffset.UtcNow;
        var writer = _store.Blobs.CreateWriter();
        await writer.WriteAsync(Encoding.ASCII.GetBytes("Subject: queued\r\n\r\nbody\r\n"), None);
        var message = new QueuedMessage
        {
            Id = "01QUEUEDMESSAGE0000000001",
            Sender = "bob@example.org",
            ArrivedAt = now,
            Size = writer.Length,
            BlobId = writer.BlobId,
            Origin = "smtp",
            Client = "127.0.0.1",
            BodyType = "7BIT",
        };
        QueuedRecipient[] recipients =
        [
            new() { Index = 0, Address = "alice@local.test", NextAttemptAt = now },
            new() { Index = 1, Address = "carol@local.test", NextAttemptAt = now },
        ];
        await _store.Queue.EnqueueAsync(message, recipients, writer, None);
        await writer.DisposeAsync();

        bool afterFirst = await _store.Queue.CompleteAttemptAsync(message.Id, [Update(0, RecipientState.Delivered), Update(1, RecipientState.Deferred)], [], [], None);
        bool afterSecond = await _store.Queue.CompleteAttemptAsync(message.Id, [Update(1, RecipientState.Delivered)], [], [], None);

        Assert.False(afterFirst);
        Assert.True(afterSecond);
        Assert.Null(await _store.Queue.GetAsync(message.Id, None));

        RecipientUpdate Update(int index, RecipientState state) =>
            new(index, state, 1, now.AddMinutes(5), now, "250 ok", "2.0.0", "local", false);
    }
}
