using Carrier.Store;
using Carrier.Store.Queue;

namespace Carrier.Tests.Store.Contract;

/// <summary>The durable queue: envelopes with per-recipient state, claims, hold and release, and restarts.</summary>
public abstract class QueueStoreContract : StoreContract
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task An_enqueued_message_keeps_its_envelope_and_recipients()
    {
        await using var writer = await WriteBlobAsync(Content("Subject: hi\r\n\r\nbody\r\n"));
        var message = QueueMessage(writer);
        await Store.Queue.EnqueueAsync(message, [Recipient(0, "one@example.net"), Recipient(1, "two@example.net", TimeSpan.FromHours(1))], writer, None);

        var entry = await Store.Queue.GetAsync(message.Id, None);
        Assert.NotNull(entry);
        Assert.Equal(message, entry.Message);
        Assert.Equal([Recipient(0, "one@example.net"), Recipient(1, "two@example.net", TimeSpan.FromHours(1))], entry.Recipients);
        Assert.Equal([message.Id], (await Store.Queue.ListAsync(None)).Select(e => e.Message.Id));
        Assert.Null(await Store.Queue.GetAsync("0000000000NOSUCH", None));
    }

    [Fact]
    public async Task Due_recipients_are_claimed_once_until_the_lease_ends()
    {
        await using var writer = await WriteBlobAsync(Content("body"));
        var message = QueueMessage(writer);
        await Store.Queue.EnqueueAsync(message, [Recipient(0, "now@example.net"), Recipient(1, "later@example.net", TimeSpan.FromHours(1))], writer, None);
        var now = Time.GetUtcNow();

        var claimed = Assert.Single(await Store.Queue.ClaimDueAsync(now, 10, Lease, None));
        Assert.Equal(message.Id, claimed.Message.Id);
        Assert.Equal(["now@example.net"], claimed.Recipients.Select(r => r.Address));
        Assert.Empty(await Store.Queue.ClaimDueAsync(now, 10, Lease, None));
        Assert.Single(await Store.Queue.ClaimDueAsync(now + Lease + TimeSpan.FromSeconds(1), 10, Lease, None));

        await Store.Queue.ReleaseAllClaimsAsync(None);
        Assert.Equal(2, Assert.Single(await Store.Queue.ClaimDueAsync(now + TimeSpan.FromHours(2), 10, Lease, None)).Recipients.Count);
    }

    [Fact]
    public async Task Claims_take_the_oldest_due_messages_up_to_the_limit()
    {
        var first = await EnqueueAsync(Content("1"), "a@example.net");
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = await EnqueueAsync(Content("2"), "b@example.net");
        Time.Advance(TimeSpan.FromSeconds(1));
        var third = await EnqueueAsync(Content("3"), "c@example.net");

        var batch = await Store.Queue.ClaimDueAsync(Time.GetUtcNow(), 2, Lease, None);
        Assert.Equal([first.Id, second.Id], batch.Select(d => d.Message.Id));
        Assert.Equal([third.Id], (await Store.Queue.ClaimDueAsync(Time.GetUtcNow(), 2, Lease, None)).Select(d => d.Message.Id));
    }

    [Fact]
    public async Task Each_recipient_moves_on_its_own_and_the_message_leaves_with_the_last_one()
    {
        var message = await EnqueueAsync(Content("body"), "delivered@example.net", "deferred@example.net", "bounced@example.net");
        var now = Time.GetUtcNow();
        await Store.Queue.ClaimDueAsync(now, 10, Lease, None);
        var retry = now + TimeSpan.FromMinutes(5);
        await Store.Queue.CompleteAttemptAsync(
            message.Id,
            [
                new RecipientUpdate(0, RecipientState.Delivered, 1, now, now, "250 2.0.0 Ok", "2.0.0", "mx.example.net[192.0.2.1]:25"),
                new RecipientUpdate(1, RecipientState.Deferred, 1, retry, now, "451 4.3.0 try later", "4.3.0", "mx.example.net[192.0.2.1]:25", DelayWarned: true),
                new RecipientUpdate(2, RecipientState.Bounced, 1, now, now, "550 5.1.1 unknown", "5.1.1", "mx.example.net[192.0.2.1]:25"),
            ],
            [],
            [],
            None);

        var entry = (await Store.Queue.GetAsync(message.Id, None))!;
        Assert.Equal([RecipientState.Delivered, RecipientState.Deferred, RecipientState.Bounced], entry.Recipients.Select(r => r.State));
        var deferred = entry.Recipients[1];
        Assert.Equal((1, retry, now, "451 4.3.0 try later", "4.3.0", "mx.example.net[192.0.2.1]:25", true), (deferred.Attempts, deferred.NextAttemptAt, deferred.LastAttemptAt, deferred.LastReply, deferred.DsnStatus, deferred.Relay, deferred.DelayWarned));
        Assert.Equal(retry, await Store.Queue.NextDueAsync(None));

        // Not due yet; then due, claimed with only the recipient that is left.
        Assert.Empty(await Store.Queue.ClaimDueAsync(now + TimeSpan.FromMinutes(1), 10, Lease, None));
        var again = Assert.Single(await Store.Queue.ClaimDueAsync(retry, 10, Lease, None));
        Assert.Equal(["deferred@example.net"], again.Recipients.Select(r => r.Address));

        await Store.Queue.CompleteAttemptAsync(message.Id, [new RecipientUpdate(1, RecipientState.Delivered, 2, retry, retry, "250 Ok", "2.0.0", "mx.example.net[192.0.2.1]:25")], [], [], None);
        Assert.Null(await Store.Queue.GetAsync(message.Id, None));
        Assert.Null(await Store.Queue.NextDueAsync(None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(message.BlobId, None));
    }

    [Fact]
    public async Task A_bounce_is_queued_in_the_same_step_that_ends_the_recipient()
    {
        var message = await EnqueueAsync(Content("original"), "gone@example.net");
        await using var bounce = await WriteBlobAsync(Content("Subject: Undelivered Mail Returned to Sender\r\n\r\nsorry\r\n"));
        var bounceMessage = QueueMessage(bounce) with { Sender = string.Empty, Origin = "bounce" };
        var now = Time.GetUtcNow();
        await Store.Queue.CompleteAttemptAsync(
            message.Id,
            [new RecipientUpdate(0, RecipientState.Bounced, 1, now, now, "550 5.1.1 unknown", "5.1.1", "mx.example.net[192.0.2.1]:25")],
            [new QueueSubmission(bounceMessage, [Recipient(0, "sender@example.org")], bounce)],
            [],
            None);

        var queue = await Store.Queue.ListAsync(None);
        var entry = Assert.Single(queue);
        Assert.Equal(bounceMessage, entry.Message);
        Assert.Equal(Content("Subject: Undelivered Mail Returned to Sender\r\n\r\nsorry\r\n"), await ReadBlobAsync(bounce.BlobId));
    }

    [Fact]
    public async Task Held_messages_are_not_attempted_until_released()
    {
        var message = await EnqueueAsync(Content("body"), "rcpt@example.net");
        var now = Time.GetUtcNow();
        Assert.True(await Store.Queue.SetHeldAsync(message.Id, held: true, None));
        Assert.True((await Store.Queue.GetAsync(message.Id, None))!.Message.Held);
        Assert.Empty(await Store.Queue.ClaimDueAsync(now, 10, Lease, None));
        Assert.Null(await Store.Queue.NextDueAsync(None));

        Assert.True(await Store.Queue.SetHeldAsync(message.Id, held: false, None));
        Assert.Single(await Store.Queue.ClaimDueAsync(now, 10, Lease, None));
        Assert.False(await Store.Queue.SetHeldAsync("0000000000NOSUCH", held: true, None));
    }

    [Fact]
    public async Task A_message_enqueued_held_waits()
    {
        await using var writer = await WriteBlobAsync(Content("body"));
        await Store.Queue.EnqueueAsync(QueueMessage(writer, held: true), [Recipient(0, "rcpt@example.net")], writer, None);
        Assert.Empty(await Store.Queue.ClaimDueAsync(Time.GetUtcNow(), 10, Lease, None));
    }

    [Fact]
    public async Task Delete_removes_a_message_and_its_content()
    {
        var message = await EnqueueAsync(LargeContent(), "rcpt@example.net");
        Assert.True(await Store.Queue.DeleteAsync(message.Id, None));
        Assert.False(await Store.Queue.DeleteAsync(message.Id, None));
        Assert.Empty(await Store.Queue.ListAsync(None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(message.BlobId, None));
    }

    [Fact]
    public async Task Flush_makes_deferred_recipients_due_now()
    {
        var one = await EnqueueAsync(Content("1"), "a@example.net");
        var two = await EnqueueAsync(Content("2"), "b@example.net");
        var now = Time.GetUtcNow();
        foreach (var id in new[] { one.Id, two.Id })
        {
            await Store.Queue.ClaimDueAsync(now, 10, Lease, None);
            await Store.Queue.CompleteAttemptAsync(id, [new RecipientUpdate(0, RecipientState.Deferred, 1, now + TimeSpan.FromHours(1), now, "451 later", "4.0.0", "x")], [], [], None);
        }

        Assert.Empty(await Store.Queue.ClaimDueAsync(now, 10, Lease, None));
        Assert.Equal(1, await Store.Queue.FlushAsync(one.Id, now, None));
        Assert.Equal([one.Id], (await Store.Queue.ClaimDueAsync(now, 10, Lease, None)).Select(d => d.Message.Id));
        Assert.Equal(1, await Store.Queue.FlushAsync(null, now, None));
        Assert.Equal(0, await Store.Queue.FlushAsync(null, now, None));
    }

    [Fact]
    public async Task A_reopened_store_keeps_what_was_committed_and_nothing_that_was_not()
    {
        var small = await EnqueueAsync(Content("small"), "a@example.net");
        Time.Advance(TimeSpan.FromSeconds(1));
        var large = await EnqueueAsync(LargeContent(), "b@example.net", "c@example.net");
        await Store.Queue.ClaimDueAsync(Time.GetUtcNow(), 10, Lease, None);

        // An enqueue that fails (the id is taken) commits nothing of itself.
        await using (var clash = await WriteBlobAsync(Content("clash")))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await Store.Queue.EnqueueAsync(QueueMessage(clash, id: small.Id), [Recipient(0, "d@example.net")], clash, None));
        }

        await ReopenAsync();

        var entries = await Store.Queue.ListAsync(None);
        Assert.Equal([small.Id, large.Id], entries.Select(e => e.Message.Id));
        Assert.Equal(["a@example.net"], entries[0].Recipients.Select(r => r.Address));
        Assert.Equal(Content("small"), await ReadBlobAsync(small.BlobId));
        Assert.Equal(LargeContent(), await ReadBlobAsync(large.BlobId));

        // Claims do not outlive the process that made them.
        Assert.Equal(2, (await Store.Queue.ClaimDueAsync(Time.GetUtcNow(), 10, Lease, None)).Count);
    }
}
