using System.Text;
using Carrier.Imap.Protocol;

namespace Carrier.Tests.Imap.Protocol;

public sealed class GrammarTests
{
    [Theory]
    [InlineData("1", 5u, new uint[] { 1 })]
    [InlineData("2:4", 5u, new uint[] { 2, 3, 4 })]
    [InlineData("4:2", 5u, new uint[] { 2, 3, 4 })]
    [InlineData("*", 5u, new uint[] { 5 })]
    [InlineData("3:*", 5u, new uint[] { 3, 4, 5 })]
    [InlineData("1,3,5:*", 5u, new uint[] { 1, 3, 5 })]
    [InlineData("9:*", 5u, new uint[] { 5 })]
    public void Sequence_sets_resolve_against_the_largest_number(string text, uint largest, uint[] expected)
    {
        Assert.True(SequenceSet.TryParse(text, out var set));
        var numbers = Enumerable.Range(1, (int)largest).Select(n => (uint)n).ToList();
        Assert.Equal(expected, set.Select(numbers).Select(i => numbers[i]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("01")]
    [InlineData("1:")]
    [InlineData(":1")]
    [InlineData("1,,2")]
    [InlineData("4294967296")]
    [InlineData("1:2:3")]
    [InlineData("a")]
    public void Invalid_sequence_sets_are_refused(string text) => Assert.False(SequenceSet.TryParse(text, out _));

    [Fact]
    public void A_huge_UID_range_resolves_without_enumerating_it()
    {
        Assert.True(SequenceSet.TryParse("1:4294967295", out var set));
        Assert.Equal([0, 1], set.Select([7u, 4_000_000_000u]));
        Assert.Equal("1:3,7,9:10", SequenceSet.Format([10, 9, 7, 3, 2, 1]));
    }

    [Theory]
    [InlineData("Entw&APw-rfe", "Entwürfe")]
    [InlineData("&ZeVnLIqe-", "日本語")]
    [InlineData("Tom &- Jerry", "Tom & Jerry")]
    [InlineData("INBOX", "INBOX")]
    public void Modified_UTF7_round_trips(string wire, string name)
    {
        Assert.Equal(name, MailboxNames.DecodeModifiedUtf7(wire));
        Assert.Equal(wire, MailboxNames.EncodeModifiedUtf7(name));
    }

    [Theory]
    [InlineData("&Jjo")]
    [InlineData("&AGE-")]
    [InlineData("bad\u00e9")]
    [InlineData("&=-")]
    public void Malformed_modified_UTF7_is_refused(string wire) => Assert.Null(MailboxNames.DecodeModifiedUtf7(wire));

    [Theory]
    [InlineData("Work/2024", null)]
    [InlineData("..", "only dots")]
    [InlineData("a/../b", "only dots")]
    [InlineData("/a", "empty level")]
    [InlineData("a/", "empty level")]
    [InlineData("a\tb", "control character")]
    [InlineData("a%", "wildcard")]
    public void Mailbox_naming_rules(string name, string? problem)
    {
        string? found = MailboxNames.Problem(name);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_reader_takes_atoms_quoted_strings_literals_and_refuses_what_is_not()
    {
        var reader = new ImapReader(Encoding.UTF8.GetBytes("tag LOGIN \"a \\\"q\\\" b\" {3}\r\nx\0y"));
        Assert.True(reader.TryReadTag(out string tag));
        Assert.Equal("tag", tag);
        Assert.True(reader.Space());
        Assert.True(reader.TryReadAtom(out string command));
        Assert.Equal("LOGIN", command);
        Assert.True(reader.Space());
        Assert.True(reader.TryReadAString(out string quoted));
        Assert.Equal("a \"q\" b", quoted);
        Assert.True(reader.Space());
        Assert.False(reader.TryReadAString(out _));
        Assert.Equal('{', reader.Peek);
    }

    [Fact]
    public void Search_keys_parse_into_a_tree_with_bounded_depth()
    {
        var key = new SearchParser(new ImapReader(Encoding.ASCII.GetBytes("OR (SEEN FLAGGED) NOT UID 1:5 LARGER 100")), 8).ParseAll();
        var and = Assert.IsType<AndKey>(key);
        Assert.IsType<OrKey>(and.Keys[0]);
        Assert.IsType<SizeKey>(and.Keys[1]);

        var parser = new SearchParser(new ImapReader(Encoding.ASCII.GetBytes(new string('(', 20) + "ALL" + new string(')', 20))), 8);
        Assert.Null(parser.ParseAll());
        Assert.Contains("nested deeper", parser.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_response_writer_picks_atom_quoted_or_literal()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        var writer = new ResponseWriter(() => pipe.Writer);
        writer.AString("INBOX").Text(" ").AString("NIL").Text(" ").AString("two words").Text(" ").AString("line\r\nbreak").Text(" ").Mailbox("Entwürfe");
        await pipe.Writer.FlushAsync();
        var result = await pipe.Reader.ReadAsync();
        Assert.Equal("INBOX \"NIL\" \"two words\" {11}\r\nline\r\nbreak Entw&APw-rfe", Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(result.Buffer)));
    }
}
