using System.Buffers;
using System.Text;
using Carrier.Net.Framing;
using static Carrier.Tests.Net.Sequences;

namespace Carrier.Tests.Net;

/// <summary>
/// Message content after DATA and in BDAT chunks: dot-unstuffing, the one legal end marker, limits and
/// violations, fed whole, one byte per segment and cut at every place.
/// </summary>
public sealed class DataDecoderTests
{
    private const long NoSizeLimit = long.MaxValue;
    private const int LineLimit = 998;

    /// <summary>What a session sees after feeding a sequence segment by segment.</summary>
    private sealed record Outcome(string Content, long Consumed, bool Complete, DataViolations Violations, long Size);

    private static Outcome Feed(DataDecoder decoder, ReadOnlySequence<byte> input, bool finish = false)
    {
        var content = new List<byte>();
        long consumed = 0;
        foreach (var segment in input)
        {
            var span = segment.Span;
            var output = new byte[span.Length + 1];
            int used = decoder.Decode(span, output, out int written);
            content.AddRange(output.AsSpan(0, written));
            consumed += used;
            if (decoder.IsComplete)
            {
                break;
            }

            Assert.Equal(span.Length, used);
        }

        if (finish)
        {
            var tail = new byte[1];
            decoder.Finish(tail, out int written);
            content.AddRange(tail.AsSpan(0, written));
        }

        return new Outcome(Encoding.UTF8.GetString([.. content]), consumed, decoder.IsComplete, decoder.Violations, decoder.Size);
    }

    private static void ForEveryShape(
        string input,
        Func<DataDecoder> create,
        Action<string, Outcome> check,
        bool finish = false)
    {
        foreach (var (shape, sequence) in EveryShape(Bytes(input)))
        {
            check(shape, Feed(create(), sequence, finish));
        }
    }

    private static DataDecoder Data(long maxSize = NoSizeLimit, int maxLine = LineLimit) => new(DataFraming.DotTerminated, maxSize, maxLine);

    private static DataDecoder Raw(long maxSize = NoSizeLimit, int maxLine = LineLimit) => new(DataFraming.Raw, maxSize, maxLine);

    /// <summary>Checks content, completeness, where reading stopped and the violations, for every shape.</summary>
    private static void AssertData(string input, string content, bool complete, DataViolations violations, int? consumed = null, long maxSize = NoSizeLimit, int maxLine = LineLimit) =>
        ForEveryShape(input, () => Data(maxSize, maxLine), (shape, outcome) =>
        {
            Assert.True(content == outcome.Content, $"{shape}: content was '{Escape(outcome.Content)}'");
            Assert.True(complete == outcome.Complete, $"{shape}: complete was {outcome.Complete}");
            Assert.True(violations == outcome.Violations, $"{shape}: violations were {outcome.Violations}");
            Assert.True((consumed ?? Bytes(input).Length) == outcome.Consumed, $"{shape}: consumed {outcome.Consumed}");
        });

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    // --- the end marker ------------------------------------------------------------------------------

    [Fact]
    public void A_message_ends_at_crlf_dot_crlf_and_keeps_its_last_crlf() =>
        AssertData("Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", complete: true, DataViolations.None);

    [Fact]
    public void Nothing_after_the_end_marker_is_consumed()
    {
        const string message = "Subject: x\r\n\r\nbody\r\n.\r\n";
        AssertData(message + "QUIT\r\n", "Subject: x\r\n\r\nbody\r\n", complete: true, DataViolations.None, consumed: message.Length);
    }

    [Fact]
    public void The_end_marker_is_found_wherever_the_input_is_cut()
    {
        // EveryShape cuts between every pair of octets, so each octet of "\r\n.\r\n" starts a segment somewhere.
        const string message = "a\r\nb\r\n.\r\nNOOP\r\n";
        AssertData(message, "a\r\nb\r\n", complete: true, DataViolations.None, consumed: message.Length - "NOOP\r\n".Length);
    }

    [Fact]
    public void An_empty_message_is_just_the_end_marker() =>
        AssertData(".\r\n", string.Empty, complete: true, DataViolations.None);

    [Fact]
    public void A_message_of_one_empty_line() =>
        AssertData("\r\n.\r\n", "\r\n", complete: true, DataViolations.None);

    [Fact]
    public void Size_counts_the_decoded_content()
    {
        ForEveryShape("..ab\r\n.\r\n", () => Data(), (shape, outcome) =>
        {
            Assert.Equal(".ab\r\n", outcome.Content);
            Assert.True(outcome.Size == 5, shape);
        });
    }

    [Theory]
    [InlineData("a\r\n.")]
    [InlineData("a\r\n.\r")]
    [InlineData("a\r\n")]
    [InlineData("a")]
    [InlineData("")]
    public void Without_the_whole_end_marker_the_message_goes_on(string input)
    {
        ForEveryShape(input, () => Data(), (shape, outcome) =>
        {
            Assert.False(outcome.Complete, shape);
            Assert.Equal(input.Length, outcome.Consumed);
            Assert.Equal(DataViolations.None, outcome.Violations);
        });
    }

    [Fact]
    public void Decoding_resumes_where_the_previous_input_stopped()
    {
        var decoder = Data();
        var first = Feed(decoder, new ReadOnlySequence<byte>(Bytes("line one\r\n.")));
        Assert.False(first.Complete);
        var second = Feed(decoder, new ReadOnlySequence<byte>(Bytes("\r\n")));
        Assert.True(second.Complete);
        Assert.Equal("line one\r\n", first.Content + second.Content);
    }

    [Fact]
    public void After_the_end_nothing_more_is_consumed()
    {
        var decoder = Data();
        Feed(decoder, new ReadOnlySequence<byte>(Bytes(".\r\n")));
        byte[] more = Bytes("MAIL FROM:<a@example.org>\r\n");
        Assert.Equal(0, decoder.Decode(more, new byte[more.Length + 1], out int written));
        Assert.Equal(0, written);
    }

    // --- smuggling: only CRLF.CRLF ends a message ----------------------------------------------------

    [Fact]
    public void Lf_dot_crlf_does_not_end_the_message() =>
        AssertData("a\n.\r\nMAIL FROM:<evil@example.org>\r\n", "a\n.\r\nMAIL FROM:<evil@example.org>\r\n", complete: false, DataViolations.BareLineFeed);

    [Fact]
    public void Crlf_dot_lf_does_not_end_the_message()
    {
        ForEveryShape("a\r\n.\nRCPT TO:<b@example.org>\r\n", () => Data(), (shape, outcome) =>
        {
            Assert.False(outcome.Complete, shape);
            Assert.Equal(DataViolations.BareLineFeed, outcome.Violations);
        });
    }

    [Theory]
    [InlineData("a\r.\r\n")]
    [InlineData("a\r\n.\rb\r\n")]
    [InlineData("a\r\n\r.\r\n")]
    public void A_bare_cr_near_a_dot_does_not_end_the_message(string input)
    {
        ForEveryShape(input, () => Data(), (shape, outcome) =>
        {
            Assert.False(outcome.Complete, shape);
            Assert.True(outcome.Violations.HasFlag(DataViolations.BareCarriageReturn), shape);
        });
    }

    [Fact]
    public void A_smuggling_attempt_is_read_to_the_real_end_and_marked()
    {
        const string input = "Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@example.org>\r\n.\r\nNOOP\r\n";
        AssertData(
            input,
            "Subject: x\r\n\r\nhello\n.\r\nMAIL FROM:<evil@example.org>\r\n",
            complete: true,
            DataViolations.BareLineFeed,
            consumed: input.Length - "NOOP\r\n".Length);
    }

    // --- dot-unstuffing ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("..\r\n.\r\n", ".\r\n")]
    [InlineData("..leading dot\r\n.\r\n", ".leading dot\r\n")]
    [InlineData("...\r\n.\r\n", "..\r\n")]
    [InlineData("a\r\n..b\r\n.\r\n", "a\r\n.b\r\n")]
    [InlineData(".x\r\n.\r\n", "x\r\n")]
    [InlineData(". \r\n.\r\n", " \r\n")]
    [InlineData("a.b\r\n.\r\n", "a.b\r\n")]
    [InlineData("a.\r\n.\r\n", "a.\r\n")]
    public void A_leading_dot_is_removed_from_each_line(string input, string content) =>
        AssertData(input, content, complete: true, DataViolations.None);

    // --- violations --------------------------------------------------------------------------------------

    [Fact]
    public void A_nul_octet_is_kept_and_marked() =>
        AssertData("a\0b\r\n.\r\n", "a\0b\r\n", complete: true, DataViolations.NulOctet);

    [Fact]
    public void A_bare_cr_is_kept_and_marked() =>
        AssertData("a\rb\r\n.\r\n", "a\rb\r\n", complete: true, DataViolations.BareCarriageReturn);

    [Fact]
    public void A_bare_lf_is_kept_and_marked() =>
        AssertData("a\nb\r\n.\r\n", "a\nb\r\n", complete: true, DataViolations.BareLineFeed);

    [Fact]
    public void Several_violations_add_up() =>
        AssertData("a\0\nb\rc\r\n.\r\n", "a\0\nb\rc\r\n", complete: true, DataViolations.NulOctet | DataViolations.BareLineFeed | DataViolations.BareCarriageReturn);

    [Fact]
    public void A_line_at_the_line_limit_is_fine_and_one_past_it_is_marked()
    {
        AssertData("0123456789\r\n.\r\n", "0123456789\r\n", complete: true, DataViolations.None, maxLine: 10);
        AssertData("0123456789A\r\n.\r\n", "0123456789A\r\n", complete: true, DataViolations.LineTooLong, maxLine: 10);
    }

    [Fact]
    public void The_line_limit_applies_to_each_line_separately() =>
        AssertData("0123456789\r\n0123456789\r\n.\r\n", "0123456789\r\n0123456789\r\n", complete: true, DataViolations.None, maxLine: 10);

    [Fact]
    public void A_dot_stuffed_line_is_measured_after_unstuffing() =>
        AssertData(".0123456789\r\n.\r\n", "0123456789\r\n", complete: true, DataViolations.None, maxLine: 10);

    [Fact]
    public void A_bare_cr_does_not_end_a_line_for_the_line_limit() =>
        AssertData("01234\r56789\r\n.\r\n", "01234\r56789\r\n", complete: true, DataViolations.BareCarriageReturn | DataViolations.LineTooLong, maxLine: 10);

    // --- the size limit ----------------------------------------------------------------------------------

    [Fact]
    public void Content_exactly_at_the_size_limit_is_kept_whole()
    {
        ForEveryShape("01234567\r\n.\r\n", () => Data(maxSize: 10), (shape, outcome) =>
        {
            Assert.Equal("01234567\r\n", outcome.Content);
            Assert.True(outcome.Violations == DataViolations.None, shape);
            Assert.Equal(10, outcome.Size);
        });
    }

    [Theory]
    [InlineData("012345678\r\n.\r\n", "012345678\r", 11)]
    [InlineData("0123456789\r\n.\r\n", "0123456789", 12)]
    [InlineData("0123456789ABCDEF\r\n.\r\n", "0123456789", 18)]
    [InlineData("01234567\r\nmore\r\n.\r\n", "01234567\r\n", 16)]
    public void Content_past_the_size_limit_is_dropped_but_the_end_is_still_found(string input, string kept, long size)
    {
        ForEveryShape(input, () => Data(maxSize: 10), (shape, outcome) =>
        {
            Assert.True(kept == outcome.Content, $"{shape}: kept '{Escape(outcome.Content)}'");
            Assert.True(outcome.Complete, shape);
            Assert.Equal(DataViolations.TooLarge, outcome.Violations);
            Assert.Equal(size, outcome.Size);
            Assert.Equal(input.Length, outcome.Consumed);
        });
    }

    [Fact]
    public void A_zero_size_limit_drops_everything_but_an_empty_message()
    {
        AssertData(".\r\n", string.Empty, complete: true, DataViolations.None, maxSize: 0);
        AssertData("x\r\n.\r\n", string.Empty, complete: true, DataViolations.TooLarge, maxSize: 0);
    }

    // --- raw content (BDAT) ------------------------------------------------------------------------------

    [Fact]
    public void Raw_content_passes_unchanged_and_never_ends_by_itself()
    {
        const string input = "..a\r\n.\r\n.b\r\n.\r\n";
        ForEveryShape(input, () => Raw(), (shape, outcome) =>
        {
            Assert.Equal(input, outcome.Content);
            Assert.False(outcome.Complete, shape);
            Assert.Equal(input.Length, outcome.Consumed);
            Assert.Equal(DataViolations.None, outcome.Violations);
            Assert.Equal(input.Length, outcome.Size);
        });
    }

    [Fact]
    public void Raw_content_marks_bare_line_ends_and_nul()
    {
        ForEveryShape("a\nb\0c\r\n", () => Raw(), (shape, outcome) =>
        {
            Assert.Equal("a\nb\0c\r\n", outcome.Content);
            Assert.True(outcome.Violations == (DataViolations.BareLineFeed | DataViolations.NulOctet), shape);
        });
    }

    [Fact]
    public void Raw_content_with_a_trailing_cr_is_a_bare_cr_once_finished()
    {
        ForEveryShape("abc\r", () => Raw(), (shape, outcome) =>
        {
            Assert.Equal("abc\r", outcome.Content);
            Assert.True(outcome.Violations == DataViolations.BareCarriageReturn, shape);
        }, finish: true);
    }

    [Fact]
    public void A_trailing_cr_is_held_back_until_the_next_chunk_or_finish()
    {
        var decoder = Raw();
        var first = Feed(decoder, new ReadOnlySequence<byte>(Bytes("abc\r")));
        Assert.Equal("abc", first.Content);
        Assert.Equal(DataViolations.None, first.Violations);

        // The LF arrives in the next BDAT chunk: the CRLF was split, not bare.
        var second = Feed(decoder, new ReadOnlySequence<byte>(Bytes("\ndef\r\n")), finish: true);
        Assert.Equal("\r\ndef\r\n", second.Content);
        Assert.Equal(DataViolations.None, second.Violations);
    }

    [Fact]
    public void Finishing_raw_content_that_ends_in_crlf_adds_nothing()
    {
        ForEveryShape("abc\r\n", () => Raw(), (shape, outcome) =>
        {
            Assert.Equal("abc\r\n", outcome.Content);
            Assert.True(outcome.Violations == DataViolations.None, shape);
        }, finish: true);
    }

    [Fact]
    public void Raw_content_has_the_same_size_and_line_limits()
    {
        ForEveryShape("0123456789ABC\r\n", () => Raw(maxSize: 8, maxLine: 10), (shape, outcome) =>
        {
            Assert.Equal("01234567", outcome.Content);
            Assert.True(outcome.Violations == (DataViolations.TooLarge | DataViolations.LineTooLong), shape);
            Assert.Equal(15, outcome.Size);
        });
    }

    [Fact]
    public void A_held_back_cr_is_written_with_the_next_input()
    {
        // One octet in, two out: the CR of ".\r" was held back in case LF (the end marker) followed.
        var decoder = Data();
        Assert.Equal("a\r\n", Feed(decoder, new ReadOnlySequence<byte>(Bytes("a\r\n.\r"))).Content);
        var output = new byte[2];
        Assert.Equal(1, decoder.Decode(Bytes("X"), output, out int written));
        Assert.Equal(2, written);
        Assert.Equal("\rX", Encoding.ASCII.GetString(output));
        Assert.Equal(DataViolations.BareCarriageReturn, decoder.Violations);
    }

    [Fact]
    public void The_output_must_have_room_for_the_input_and_a_held_back_cr()
    {
        var decoder = Data();
        var exception = Assert.Throws<ArgumentException>(() => decoder.Decode(Bytes("abc"), new byte[3], out _));
        Assert.Equal("output", exception.ParamName);
        Assert.Equal(3, decoder.Decode(Bytes("abc"), new byte[4], out int written));
        Assert.Equal(3, written);
    }
}
