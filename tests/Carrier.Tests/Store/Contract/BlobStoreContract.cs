using Carrier.Store;

namespace Carrier.Tests.Store.Contract;

/// <summary>Blobs: immutable content that exists once something refers to it, and goes when nothing does.</summary>
public abstract class BlobStoreContract : StoreContract
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(LargeBlobBytes)]
    public async Task Content_committed_with_a_queue_entry_reads_back_exactly(int size)
    {
        byte[] content = LargeContent(size);
        var message = await EnqueueAsync(content, "rcpt@example.net");
        Assert.Equal(size, message.Size);
        Assert.Equal(content, await ReadBlobAsync(message.BlobId));
    }

    [Fact]
    public async Task A_writer_given_up_without_a_commit_leaves_no_blob()
    {
        string small;
        string large;
        await using (var writer = await WriteBlobAsync(Content("never committed")))
        {
            small = writer.BlobId;
        }

        await using (var writer = await WriteBlobAsync(LargeContent()))
        {
            large = writer.BlobId;
        }

        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(small, None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(large, None));
    }

    [Fact]
    public async Task Every_writer_gets_its_own_id()
    {
        var ids = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            await using var writer = Store.Blobs.CreateWriter();
            Assert.True(ids.Add(writer.BlobId));
        }
    }

    [Fact]
    public async Task A_committed_blob_is_immutable()
    {
        await using var writer = await WriteBlobAsync(Content("once"));
        await Store.Queue.EnqueueAsync(QueueMessage(writer), [Recipient(0, "rcpt@example.net")], writer, None);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(Content("more"), None));
        Assert.Equal(Content("once"), await ReadBlobAsync(writer.BlobId));
    }

    [Fact]
    public async Task A_large_blob_reads_whole_while_another_writer_is_open()
    {
        byte[] first = LargeContent(seed: 1);
        var committed = await EnqueueAsync(first, "one@example.net");

        byte[] second = LargeContent(seed: 2);
        await using var open = await WriteBlobAsync(second.AsMemory(0, second.Length / 2).ToArray());
        Assert.Equal(first, await ReadBlobAsync(committed.BlobId));

        await open.WriteAsync(second.AsMemory(second.Length / 2), None);
        Assert.Equal(first, await ReadBlobAsync(committed.BlobId));
        await Store.Queue.EnqueueAsync(QueueMessage(open), [Recipient(0, "two@example.net")], open, None);
        Assert.Equal(second, await ReadBlobAsync(open.BlobId));
    }

    [Fact]
    public async Task A_blob_stays_while_anything_refers_to_it_and_goes_with_the_last_reference()
    {
        byte[] content = LargeContent();
        var queued = await EnqueueAsync(content, "alice@local.test");
        var inbox = await MailboxAsync();
        var appended = await Store.Mailboxes.AppendAsync([Request(inbox, queued.BlobId, content.Length, "Delivered-To: alice@local.test\r\n")], null, None);
        var trash = await MailboxAsync("Trash");
        await Store.Mailboxes.CopyAsync(inbox.Id, [appended[0].Uid], trash.Id, move: false, None);

        Assert.True(await Store.Queue.DeleteAsync(queued.Id, None));
        Assert.Equal(content, await ReadBlobAsync(queued.BlobId));

        await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [appended[0].Uid], Carrier.Store.Mailboxes.FlagOperation.Add, Carrier.Store.Mailboxes.MessageFlags.Deleted, [], null, None);
        await Store.Mailboxes.ExpungeAsync(inbox.Id, null, None);
        Assert.Equal(content, await ReadBlobAsync(queued.BlobId));

        Assert.True(await Store.Mailboxes.DeleteMailboxAsync(trash.AccountId, "Trash", None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(queued.BlobId, None));
    }

    [Fact]
    public async Task Summaries_are_kept_per_blob()
    {
        var one = await EnqueueAsync(Content("one"), "rcpt@example.net");
        var two = await EnqueueAsync(Content("two"), "rcpt@example.net");
        Assert.Empty(await Store.Blobs.GetSummariesAsync([one.BlobId, two.BlobId], None));

        await Store.Blobs.SetSummaryAsync(one.BlobId, "{\"subject\":\"one\"}", None);
        var summaries = await Store.Blobs.GetSummariesAsync([one.BlobId, two.BlobId, one.BlobId, "no-such-blob"], None);
        Assert.Equal(new Dictionary<string, string> { [one.BlobId] = "{\"subject\":\"one\"}" }, summaries);
    }
}
