using System.Text;
using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Carrier.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Tests.Store;

/// <summary>
/// A local delivery and the queue's record of it commit in one transaction: either the message is in the
/// mailbox and the queue knows it, or neither happened and the next attempt delivers it exactly once.
/// </summary>
public sealed class AttemptCommitTests : IAsyncLifetime
{
    private const string Content = "Subject: together\r\n\r\none commit\r\n";
    private const string Prefix = "Return-Path: <bob@example.org>\r\nDelivered-To: alice@local.test\r\n";

    private readonly TempDirectory _directory = new("store-attempt");
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private EmbeddedStore _store = null!;
    private MailboxInfo _inbox = null!;
    private QueuedMessage _message = null!;

    private static CancellationToken None => CancellationToken.None;

    public async Task InitializeAsync()
    {
        _store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);
        var account = await _store.Accounts.CreateAccountAsync("alice@local.test", "hash", DefaultMailbox.Standard, None);
        _inbox = (await _store.Mailboxes.GetMailboxAsync(account.Id, "INBOX", None))!;
        var writer = _store.Blobs.CreateWriter();
        await writer.WriteAsync(Encoding.ASCII.GetBytes(Content), None);
        _message = new QueuedMessage
        {
            Id = "01ATTEMPTCOMMIT0000000001",
            Sender = "bob@example.org",
            ArrivedAt = _now,
            Size = writer.Length,
            BlobId = writer.BlobId,
            Origin = "smtp",
        };
        QueuedRecipient[] recipients =
        [
            new() { Index = 0, Address = "alice@local.test", NextAttemptAt = _now },
            new() { Index = 1, Address = "carol@remote.test", NextAttemptAt = _now },
        ];
        await _store.Queue.EnqueueAsync(_message, recipients, writer, None);
        await writer.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private AppendRequest Delivery(long mailboxId) =>
        new(mailboxId, _message.BlobId, _message.Size, Encoding.ASCII.GetBytes(Prefix), MessageFlags.None, [], _now, $"{_message.Id}/0/1");

    private RecipientUpdate Update(int index, RecipientState state) =>
        new(index, state, 1, _now.AddMinutes(5), _now, state == RecipientState.Delivered ? "250 delivered" : "451 try later", null, "local");

    private async Task<string> ReadAsync(uint uid)
    {
        await using var stream = await _store.Mailboxes.OpenMessageAsync(_inbox.Id, uid, None);
        using var reader = new StreamReader(stream!);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task The_delivered_message_is_in_the_mailbox_when_the_queue_lets_it_go()
    {
        bool removed = await _store.Queue.CompleteAttemptAsync(
            _message.Id, [Update(0, RecipientState.Delivered), Update(1, RecipientState.Delivered)], [], [Delivery(_inbox.Id)], None);

        Assert.True(removed);
        Assert.Null(await _store.Queue.GetAsync(_message.Id, None));
        var messages = await _store.Mailboxes.ListMessagesAsync(_inbox.Id, None);
        Assert.Single(messages);
        Assert.Equal(Prefix + Content, await ReadAsync(messages[0].Uid));
        Assert.Equal(1, (await _store.Mailboxes.GetMailboxAsync(_inbox.AccountId, "INBOX", None))!.MessageCount);
    }

    [Fact]
    public async Task A_failed_record_leaves_neither_the_delivery_nor_the_outcome()
    {
        const long missingMailbox = 987654;

        await Assert.ThrowsAsync<StoreException>(async () => await _store.Queue.CompleteAttemptAsync(
            _message.Id, [Update(0, RecipientState.Delivered), Update(1, RecipientState.Delivered)], [], [Delivery(_inbox.Id), Delivery(missingMailbox) with { DeliveryKey = "other" }], None));

        var entry = await _store.Queue.GetAsync(_message.Id, None);
        Assert.NotNull(entry);
        Assert.All(entry.Recipients, r => Assert.Equal(RecipientState.Queued, r.State));
        Assert.Empty(await _store.Mailboxes.ListMessagesAsync(_inbox.Id, None));
    }

    [Fact]
    public async Task An_attempt_made_again_files_the_message_only_once()
    {
        await _store.Queue.CompleteAttemptAsync(_message.Id, [Update(0, RecipientState.Delivered), Update(1, RecipientState.Deferred)], [], [Delivery(_inbox.Id)], None);

        bool removed = await _store.Queue.CompleteAttemptAsync(_message.Id, [Update(1, RecipientState.Delivered)], [], [Delivery(_inbox.Id)], None);

        Assert.True(removed);
        Assert.Single(await _store.Mailboxes.ListMessagesAsync(_inbox.Id, None));
        Assert.Equal(1, (await _store.Mailboxes.GetMailboxAsync(_inbox.AccountId, "INBOX", None))!.MessageCount);
    }

    [Fact]
    public async Task A_summary_stored_before_the_delivery_is_there_with_it_after_a_restart()
    {
        await _store.Blobs.SetSummaryAsync(_message.BlobId, "(summary)", None);
        await _store.Queue.CompleteAttemptAsync(_message.Id, [Update(0, RecipientState.Delivered), Update(1, RecipientState.Deferred)], [], [Delivery(_inbox.Id)], None);
        await _store.DisposeAsync();

        _store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);

        var summaries = await _store.Blobs.GetSummariesAsync([_message.BlobId], None);
        Assert.Equal("(summary)", summaries[_message.BlobId]);
        Assert.Single(await _store.Mailboxes.ListMessagesAsync(_inbox.Id, None));
    }
}
