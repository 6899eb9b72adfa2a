using Carrier.Store.Mailboxes;

namespace Carrier.Tests.Store.Contract;

/// <summary>Messages in mailboxes: append, flags and keywords with MODSEQ, expunge, copy and move, and catching up on changes.</summary>
public abstract class MailboxMessagesContract : StoreContract
{
    [Fact]
    public async Task Appended_messages_get_increasing_uids_and_read_back_with_their_prefix()
    {
        var inbox = await MailboxAsync();
        Assert.Equal((1u, 0), (inbox.UidNext, inbox.MessageCount));
        uint first = await AppendAsync(inbox, Content("Subject: one\r\n\r\nbody\r\n"), prefix: "Delivered-To: alice@local.test\r\n");
        uint second = await AppendAsync(inbox, LargeContent());
        Assert.True(second > first);

        Assert.Equal(Content("Delivered-To: alice@local.test\r\nSubject: one\r\n\r\nbody\r\n"), await ReadMessageAsync(inbox, first));
        Assert.Equal(LargeContent(), await ReadMessageAsync(inbox, second));
        Assert.Null(await ReadMessageAsync(inbox, second + 1));

        var messages = await MessagesAsync(inbox);
        Assert.Equal([first, second], messages.Select(m => m.Uid));
        Assert.Equal(Content("Delivered-To: alice@local.test\r\nSubject: one\r\n\r\nbody\r\n").Length, messages[0].Size);
        Assert.Equal(Time.GetUtcNow(), messages[0].InternalDate);
        var reloaded = await ReloadAsync(inbox);
        Assert.Equal((second + 1, 2), (reloaded.UidNext, reloaded.MessageCount));
        Assert.True(reloaded.HighestModSeq >= messages.Max(m => m.ModSeq));
    }

    [Fact]
    public async Task An_append_with_a_delivery_key_seen_before_is_not_stored_twice()
    {
        var inbox = await MailboxAsync();
        var queued = await EnqueueAsync(Content("Subject: once\r\n\r\nbody\r\n"), "alice@local.test");
        var request = Request(inbox, queued.BlobId, queued.Size, "Delivered-To: alice@local.test\r\n", deliveryKey: $"{queued.Id}/0/alice");

        var first = Assert.Single(await Store.Mailboxes.AppendAsync([request], null, None));
        var again = Assert.Single(await Store.Mailboxes.AppendAsync([request], null, None));
        Assert.False(first.AlreadyPresent);
        Assert.True(again.AlreadyPresent);
        Assert.Equal(first.Uid, again.Uid);
        Assert.Single(await MessagesAsync(inbox));

        var other = Assert.Single(await Store.Mailboxes.AppendAsync([request with { DeliveryKey = $"{queued.Id}/1/alice" }], null, None));
        Assert.False(other.AlreadyPresent);
        Assert.Equal(2, (await MessagesAsync(inbox)).Count);
    }

    [Fact]
    public async Task Appends_in_one_call_go_to_several_mailboxes_with_one_content()
    {
        var alice = await MailboxAsync("INBOX", "alice@local.test");
        var bob = await MailboxAsync("INBOX", "bob@local.test");
        await using var writer = await WriteBlobAsync(Content("shared body\r\n"));
        var results = await Store.Mailboxes.AppendAsync(
            [Request(alice, writer.BlobId, writer.Length, "Delivered-To: alice@local.test\r\n"), Request(bob, writer.BlobId, writer.Length, "Delivered-To: bob@local.test\r\n")],
            writer,
            None);
        Assert.Equal([alice.Id, bob.Id], results.Select(r => r.MailboxId));
        Assert.Equal(Content("Delivered-To: alice@local.test\r\nshared body\r\n"), await ReadMessageAsync(alice, results[0].Uid));
        Assert.Equal(Content("Delivered-To: bob@local.test\r\nshared body\r\n"), await ReadMessageAsync(bob, results[1].Uid));
    }

    [Fact]
    public async Task New_contents_appended_together_commit_with_their_summaries_or_not_at_all()
    {
        var inbox = await MailboxAsync();
        await using var small = await WriteBlobAsync(Content("Subject: small\r\n\r\nbody\r\n"));
        await using var large = await WriteBlobAsync(LargeContent());
        small.Summary = "small summary";
        large.Summary = "large summary";
        var results = await Store.Mailboxes.AppendManyAsync(
            [Request(inbox, small.BlobId, small.Length, flags: MessageFlags.Seen), Request(inbox, large.BlobId, large.Length)], [small, large], None);

        Assert.Equal(2, results.Count);
        Assert.Equal(LargeContent(), await ReadMessageAsync(inbox, results[1].Uid));
        var summaries = await Store.Blobs.GetSummariesAsync([small.BlobId, large.BlobId], None);
        Assert.Equal("small summary", summaries[small.BlobId]);
        Assert.Equal("large summary", summaries[large.BlobId]);

        await using var lost = await WriteBlobAsync(Content("Subject: lost\r\n\r\nbody\r\n"));
        var missing = inbox with { Id = inbox.Id + 10_000 };
        await Assert.ThrowsAnyAsync<Exception>(async () =>
            await Store.Mailboxes.AppendManyAsync([Request(inbox, lost.BlobId, lost.Length), Request(missing, lost.BlobId, lost.Length)], [lost], None));
        Assert.Equal(2, (await MessagesAsync(inbox)).Count);
        await Assert.ThrowsAsync<Carrier.Store.StoreException>(async () => await Store.Blobs.OpenReadAsync(lost.BlobId, None));
    }

    [Fact]
    public async Task Message_starts_are_read_in_uid_order_with_their_prefix_and_cut_at_the_length()
    {
        var inbox = await MailboxAsync();
        uint plain = await AppendAsync(inbox, Content("Subject: one\r\n\r\nbody\r\n"));
        uint prefixed = await AppendAsync(inbox, Content("Subject: two\r\n\r\nbody\r\n"), prefix: "Delivered-To: alice@local.test\r\n");
        uint large = await AppendAsync(inbox, LargeContent());
        uint last = await AppendAsync(inbox, Content("Subject: last\r\n\r\nbody\r\n"));
        uint gone = await AppendAsync(inbox, Content("Subject: gone\r\n\r\nbody\r\n"), flags: MessageFlags.Deleted);
        await Store.Mailboxes.ExpungeAsync(inbox.Id, null, None);

        var starts = new List<MessageStart>();
        await foreach (var start in Store.Mailboxes.ReadMessageStartsAsync(inbox.Id, 1, uint.MaxValue, 24, None))
        {
            starts.Add(start);
        }

        Assert.Equal([plain, prefixed, large, last], starts.Select(s => s.Uid));
        Assert.DoesNotContain(gone, starts.Select(s => s.Uid));
        Assert.Equal(Content("Subject: one\r\n\r\nbody\r\n"), starts[0].Octets.ToArray());
        Assert.Equal(Content("Delivered-To: alice@local.test\r\nSubject: two\r\n\r\nbody\r\n")[..24], starts[1].Octets.ToArray());
        Assert.Equal(LargeContent()[..24], starts[2].Octets.ToArray());
        var later = new List<uint>();
        await foreach (var start in Store.Mailboxes.ReadMessageStartsAsync(inbox.Id, prefixed, large, 24, None))
        {
            later.Add(start.Uid);
        }

        Assert.Equal([prefixed, large], later);
    }

    [Fact]
    public async Task Flags_and_keywords_change_with_a_new_modseq_each_time()
    {
        var inbox = await MailboxAsync();
        uint uid = await AppendAsync(inbox, Content("m"), flags: MessageFlags.Draft, keywords: "$Forwarded");
        var original = (await MessagesAsync(inbox))[0];
        Assert.Equal(MessageFlags.Draft, original.Flags);
        Assert.Equal(["$Forwarded"], original.Keywords);

        var added = await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Add, MessageFlags.Seen | MessageFlags.Flagged, ["Work", "$forwarded"], null, None);
        var changed = Assert.Single(added.Changed);
        Assert.Equal(MessageFlags.Draft | MessageFlags.Seen | MessageFlags.Flagged, changed.Flags);
        Assert.Equal(["$Forwarded", "Work"], changed.Keywords.Order(StringComparer.Ordinal));
        Assert.True(changed.ModSeq > original.ModSeq);
        Assert.Equal(changed.ModSeq, (await ReloadAsync(inbox)).HighestModSeq);

        var unchanged = await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Add, MessageFlags.Seen, [], null, None);
        Assert.Empty(unchanged.Changed);
        Assert.Equal(changed.ModSeq, (await MessagesAsync(inbox))[0].ModSeq);

        var removed = await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Remove, MessageFlags.Draft, ["WORK"], null, None);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Flagged, removed.Changed[0].Flags);
        Assert.Equal(["$Forwarded"], removed.Changed[0].Keywords);

        var replaced = await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Replace, MessageFlags.Answered, ["Done", "done"], null, None);
        Assert.Equal(MessageFlags.Answered, replaced.Changed[0].Flags);
        Assert.Equal(["Done"], replaced.Changed[0].Keywords);

        var stored = (await MessagesAsync(inbox))[0];
        Assert.Equal(MessageFlags.Answered, stored.Flags);
        Assert.Equal(["Done"], stored.Keywords);
        Assert.Equal(replaced.Changed[0].ModSeq, stored.ModSeq);
    }

    [Fact]
    public async Task Unchanged_since_leaves_messages_modified_later_alone()
    {
        var inbox = await MailboxAsync();
        uint one = await AppendAsync(inbox, Content("1"));
        uint two = await AppendAsync(inbox, Content("2"));
        ulong before = (await ReloadAsync(inbox)).HighestModSeq;
        await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [two], FlagOperation.Add, MessageFlags.Flagged, [], null, None);

        var result = await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [one, two], FlagOperation.Add, MessageFlags.Seen, [], before, None);
        Assert.Equal([one], result.Changed.Select(m => m.Uid));
        Assert.Equal([two], result.Conflicts);
        Assert.Equal(MessageFlags.Flagged, (await MessagesAsync(inbox))[1].Flags);
    }

    [Fact]
    public async Task Expunge_removes_only_deleted_messages_and_records_them()
    {
        var inbox = await MailboxAsync();
        var uids = new List<uint>();
        for (int i = 0; i < 4; i++)
        {
            uids.Add(await AppendAsync(inbox, Content($"message {i}")));
        }

        ulong before = (await ReloadAsync(inbox)).HighestModSeq;
        await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uids[0], uids[1], uids[3]], FlagOperation.Add, MessageFlags.Deleted, [], null, None);

        Assert.Equal([uids[1]], await Store.Mailboxes.ExpungeAsync(inbox.Id, [uids[1], uids[2]], None));
        Assert.Equal([uids[0], uids[3]], await Store.Mailboxes.ExpungeAsync(inbox.Id, null, None));
        Assert.Empty(await Store.Mailboxes.ExpungeAsync(inbox.Id, null, None));

        Assert.Equal([uids[2]], (await MessagesAsync(inbox)).Select(m => m.Uid));
        Assert.Equal([uids[0], uids[1], uids[3]], await Store.Mailboxes.ListExpungedSinceAsync(inbox.Id, before, None));
        ulong now = (await ReloadAsync(inbox)).HighestModSeq;
        Assert.Empty(await Store.Mailboxes.ListExpungedSinceAsync(inbox.Id, now, None));

        // UIDs are never given out again.
        Assert.True(await AppendAsync(inbox, Content("new")) > uids[3]);
    }

    [Fact]
    public async Task Changes_since_a_modseq_are_listed_in_uid_order()
    {
        var inbox = await MailboxAsync();
        uint one = await AppendAsync(inbox, Content("1"));
        uint two = await AppendAsync(inbox, Content("2"));
        ulong mark = (await ReloadAsync(inbox)).HighestModSeq;
        Assert.Empty(await Store.Mailboxes.ListChangedSinceAsync(inbox.Id, mark, None));

        uint three = await AppendAsync(inbox, Content("3"));
        await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [one], FlagOperation.Add, MessageFlags.Seen, [], null, None);
        var changed = await Store.Mailboxes.ListChangedSinceAsync(inbox.Id, mark, None);
        Assert.Equal([one, three], changed.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, changed[0].Flags);
        Assert.Equal([one, two, three], (await Store.Mailboxes.ListChangedSinceAsync(inbox.Id, 0, None)).Select(m => m.Uid));
    }

    [Fact]
    public async Task Copy_keeps_the_message_and_move_takes_it_away()
    {
        var inbox = await MailboxAsync();
        var archive = await MailboxAsync("Archive");
        uint one = await AppendAsync(inbox, Content("one"), prefix: "X-Prefix: 1\r\n", flags: MessageFlags.Seen, keywords: "Work");
        uint two = await AppendAsync(inbox, Content("two"));
        ulong beforeMove = (await ReloadAsync(inbox)).HighestModSeq;

        var copied = await Store.Mailboxes.CopyAsync(inbox.Id, [one, 999], archive.Id, move: false, None);
        var (source, target) = Assert.Single(copied);
        Assert.Equal(one, source);
        Assert.Equal(Content("X-Prefix: 1\r\none"), await ReadMessageAsync(archive, target));
        var copy = (await MessagesAsync(archive)).Single();
        Assert.Equal(MessageFlags.Seen, copy.Flags);
        Assert.Equal(["Work"], copy.Keywords);
        Assert.Equal(2, (await MessagesAsync(inbox)).Count);

        var moved = await Store.Mailboxes.CopyAsync(inbox.Id, [two, one], archive.Id, move: true, None);
        Assert.Equal([one, two], moved.Select(m => m.Source));
        Assert.True(moved[0].Target > target && moved[1].Target > moved[0].Target);
        Assert.Empty(await MessagesAsync(inbox));
        Assert.Equal([one, two], await Store.Mailboxes.ListExpungedSinceAsync(inbox.Id, beforeMove, None));
        Assert.Equal(Content("two"), await ReadMessageAsync(archive, moved[1].Target));
        Assert.Equal(3, (await ReloadAsync(archive)).MessageCount);
    }

    [Fact]
    public async Task The_change_notifier_calls_subscribers_of_the_changed_mailbox_until_they_leave()
    {
        var inbox = await MailboxAsync();
        var sent = await MailboxAsync("Sent");
        int inboxNotices = 0;
        int sentNotices = 0;
        var subscription = Store.Mailboxes.Changes.Subscribe(inbox.Id, () => Interlocked.Increment(ref inboxNotices));
        using var sentSubscription = Store.Mailboxes.Changes.Subscribe(sent.Id, () => Interlocked.Increment(ref sentNotices));

        uint uid = await AppendAsync(inbox, Content("new mail"));
        Assert.Equal(1, inboxNotices);
        await Store.Mailboxes.StoreFlagsAsync(inbox.Id, [uid], FlagOperation.Add, MessageFlags.Deleted, [], null, None);
        Assert.Equal(2, inboxNotices);
        await Store.Mailboxes.ExpungeAsync(inbox.Id, null, None);
        Assert.Equal(3, inboxNotices);
        Assert.Equal(0, sentNotices);

        subscription.Dispose();
        await AppendAsync(inbox, Content("unnoticed"));
        Assert.Equal(3, inboxNotices);
        await AppendAsync(sent, Content("sent mail"));
        Assert.Equal(1, sentNotices);
    }
}
