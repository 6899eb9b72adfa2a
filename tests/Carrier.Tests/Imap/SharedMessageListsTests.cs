using Carrier.Imap.Server;
using Carrier.Store.Mailboxes;

namespace Carrier.Tests.Imap;

public sealed class SharedMessageListsTests
{
    private static readonly DateTimeOffset Date = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sessions_that_see_the_same_messages_get_one_copy()
    {
        var lists = new SharedMessageLists();
        var first = lists.Share(7, 100, 5, [Message(1, 3), Message(2, 5)]);
        var second = lists.Share(7, 100, 5, [Message(1, 3), Message(2, 5)]);

        Assert.Same(first, second);
        Assert.Same(first, lists.Find(7, 100, 5));
        Assert.Equal([1u, 2u], first.Select(m => m.Uid));
    }

    [Fact]
    public void A_list_is_found_only_for_its_mailbox_state()
    {
        var lists = new SharedMessageLists();
        var shared = lists.Share(7, 100, 5, [Message(1, 3)]);

        Assert.Null(lists.Find(7, 100, 6));
        Assert.Null(lists.Find(7, 101, 5));
        Assert.Null(lists.Find(8, 100, 5));

        // Read again at a later state with the same messages: the list names that state too.
        Assert.Same(shared, lists.Share(7, 100, 6, [Message(1, 3)]));
        Assert.Same(shared, lists.Find(7, 100, 6));
    }

    [Fact]
    public void A_changed_message_makes_a_new_list_and_leaves_the_old_one_alone()
    {
        var lists = new SharedMessageLists();
        var before = lists.Share(7, 100, 5, [Message(1, 3), Message(2, 5)]);
        var after = lists.Share(7, 100, 6, [Message(1, 6, MessageFlags.Seen), Message(2, 5)]);

        Assert.NotSame(before, after);
        Assert.Equal(MessageFlags.None, before[0].Flags);
        Assert.Equal(MessageFlags.Seen, after[0].Flags);
        Assert.Same(after, lists.Find(7, 100, 6));
        Assert.Null(lists.Find(7, 100, 5));
    }

    private static MessageInfo Message(uint uid, ulong modSeq, MessageFlags flags = MessageFlags.None) =>
        new(7, uid, modSeq, flags, [], Date, 100, $"blob{uid}");
}
