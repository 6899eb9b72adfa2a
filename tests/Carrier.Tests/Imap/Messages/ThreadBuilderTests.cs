using Carrier.Imap.Messages;

namespace Carrier.Tests.Imap.Messages;

/// <summary>The REFERENCES and ORDEREDSUBJECT algorithms of RFC 5256 §4 on small corpora with their traps.</summary>
public sealed class ThreadBuilderTests
{
    private static SortableMessage Message(int number, string? id, string subject, string? references = null, string? inReplyTo = null)
    {
        var date = new DateTimeOffset(2024, 1, number, 9, 0, 0, TimeSpan.Zero);
        var envelope = new EnvelopeFields(null, subject, null, null, null, inReplyTo, id);
        return new SortableMessage(number - 1, (uint)number, date, 100, envelope, references ?? string.Empty);
    }

    [Fact]
    public void REFERENCES_links_replies_survives_missing_parents_loops_and_duplicate_ids_and_groups_by_subject()
    {
        SortableMessage[] corpus =
        [
            Message(1, "<a@x>", "Plan"),
            Message(2, "<b@x>", "Re: Plan", "<a@x>"),
            Message(3, "<c@x>", "Re: Plan", "<a@x> <missing@x>"),
            Message(4, "<d@x>", "Re: Plan", "<b@x>"),
            Message(5, "<e@x>", "Other"),
            Message(6, "<f@x>", "Re: Other", inReplyTo: "<e@x>"),
            Message(7, "<g@x>", "Loop", "<h@x>"),
            Message(8, "<h@x>", "Loop", "<g@x>"),
            Message(9, "<a@x>", "Duplicate"),
            Message(10, null, "Re: Plan"),
            Message(11, "<k@x>", "Orphan", "<nowhere@x>"),
            Message(12, "not an id", "Self", "<l@x> <l@x>"),
        ];

        // 3's missing parent is spliced out; 8 refers back to 7, which already has 8 as parent, so that link
        // would close a loop and is not made; 9 repeats 1's Message-ID and stands alone; 10 has no references
        // but is a reply to "Plan"; 11's only parent is missing, so it becomes a root.
        string threads = ThreadBuilder.Format(ThreadBuilder.References(corpus));
        Assert.Equal("(1 (2 4)(3)(10))(5 6)(8 7)(9)(11)(12)", threads);
    }

    [Fact]
    public void REFERENCES_puts_roots_of_one_subject_that_are_not_replies_under_an_empty_container()
    {
        SortableMessage[] corpus =
        [
            Message(1, "<a@x>", "Meeting"),
            Message(2, "<b@x>", "meeting"),
            Message(3, "<c@x>", "Re: Meeting", "<b@x>"),
            Message(4, "<d@x>", "Re: Meeting", "<gone@x> <also-gone@x>"),
        ];

        // 1 and 2 share a subject and neither is a reply: an empty container holds both. 4 hangs under a chain
        // of two missing messages; once they are pruned it is a reply root and joins the empty container.
        Assert.Equal("((1)(2 3)(4))", ThreadBuilder.Format(ThreadBuilder.References(corpus)));
    }

    [Fact]
    public void REFERENCES_handles_a_long_chain_without_deep_recursion()
    {
        var corpus = new List<SortableMessage>();
        for (int i = 1; i <= 20000; i++)
        {
            var date = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i);
            var envelope = new EnvelopeFields(null, "chain", null, null, null, i > 1 ? $"<m{i - 1}@x>" : null, $"<m{i}@x>");
            corpus.Add(new SortableMessage(i - 1, (uint)i, date, 1, envelope, string.Empty));
        }

        string threads = ThreadBuilder.Format(ThreadBuilder.References(corpus));
        Assert.StartsWith("(1 2 3 ", threads, StringComparison.Ordinal);
        Assert.EndsWith(" 19999 20000)", threads, StringComparison.Ordinal);
    }

    [Fact]
    public void ORDEREDSUBJECT_makes_one_thread_per_base_subject_in_date_order()
    {
        SortableMessage[] corpus =
        [
            Message(1, "<a@x>", "Plan"),
            Message(2, "<b@x>", "Re: Plan"),
            Message(3, "<c@x>", "Other"),
            Message(4, "<d@x>", "PLAN (fwd)"),
            Message(5, "<e@x>", "Re: other"),
            Message(6, "<f@x>", "Alone"),
        ];

        Assert.Equal("(1 (2)(4))(3 5)(6)", ThreadBuilder.Format(ThreadBuilder.OrderedSubject(corpus)));
        Assert.Equal(string.Empty, ThreadBuilder.Format(ThreadBuilder.OrderedSubject([])));
    }
}
