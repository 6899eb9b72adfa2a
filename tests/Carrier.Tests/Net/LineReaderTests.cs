using System.Buffers;
using Carrier.Net.Framing;
using static Carrier.Tests.Net.Sequences;

namespace Carrier.Tests.Net;

/// <summary>Strict CRLF framing with a maximum, fed whole, one byte per segment and cut at every place.</summary>
public sealed class LineReaderTests
{
    private const int Max = 10;

    private static void ForEveryShape(string input, Action<string, ReadOnlySequence<byte>> check)
    {
        foreach (var (shape, sequence) in EveryShape(Bytes(input)))
        {
            check(shape, sequence);
        }
    }

    private static void AssertLine(string input, LineStatus expectedStatus, string expectedLine, string expectedRest, int max = Max) =>
        ForEveryShape(input, (shape, buffer) =>
        {
            var status = LineReader.TryReadLine(buffer, max, out var line, out var next);
            Assert.True(expectedStatus == status, $"{shape}: expected {expectedStatus}, got {status}");
            Assert.True(expectedLine == Text(line), $"{shape}: line was '{Text(line)}'");
            Assert.True(expectedRest == Text(buffer.Slice(next)), $"{shape}: rest was '{Text(buffer.Slice(next))}'");
        });

    private static void AssertNothingConsumed(string input, LineStatus expectedStatus, int max = Max) =>
        ForEveryShape(input, (shape, buffer) =>
        {
            var status = LineReader.TryReadLine(buffer, max, out var line, out var next);
            Assert.True(expectedStatus == status, $"{shape}: expected {expectedStatus}, got {status}");
            Assert.True(line.IsEmpty, shape);
            Assert.True(next.Equals(buffer.Start), $"{shape}: something was consumed");
        });

    [Fact]
    public void Every_shape_holds_the_same_bytes()
    {
        byte[] data = Bytes("EHLO x\r\n");
        int shapes = 0;
        foreach (var (shape, sequence) in EveryShape(data))
        {
            Assert.True(data.AsSpan().SequenceEqual(sequence.ToArray()), shape);
            shapes++;
        }

        Assert.Equal(2 + (data.Length + 1) + ((data.Length - 1) * (data.Length - 2) / 2), shapes);
        Assert.False(OneBytePerSegment(data).IsSingleSegment);
    }

    [Fact]
    public void A_complete_line_is_returned_without_its_crlf() =>
        AssertLine("EHLO x\r\n", LineStatus.Complete, "EHLO x", string.Empty);

    [Fact]
    public void Only_the_first_line_is_consumed() =>
        AssertLine("NOOP\r\nQUIT\r\n", LineStatus.Complete, "NOOP", "QUIT\r\n");

    [Fact]
    public void An_empty_line_is_complete() =>
        AssertLine("\r\nNOOP", LineStatus.Complete, string.Empty, "NOOP");

    [Fact]
    public void Consecutive_lines_are_read_one_after_another()
    {
        ForEveryShape("A\r\nBB\r\n\r\nC", (shape, buffer) =>
        {
            var lines = new List<string>();
            while (LineReader.TryReadLine(buffer, Max, out var line, out var next) == LineStatus.Complete)
            {
                lines.Add(Text(line));
                buffer = buffer.Slice(next);
            }

            Assert.True(lines.SequenceEqual(["A", "BB", string.Empty]), shape);
            Assert.Equal("C", Text(buffer));
        });
    }

    [Theory]
    [InlineData("")]
    [InlineData("E")]
    [InlineData("EHLO x")]
    [InlineData("EHLO x\r")]
    [InlineData("0123456789")]
    [InlineData("0123456789\r")]
    public void Without_a_line_end_more_input_is_needed(string input) =>
        AssertNothingConsumed(input, LineStatus.Incomplete);

    [Fact]
    public void A_line_exactly_at_the_limit_is_complete() =>
        AssertLine("0123456789\r\nX", LineStatus.Complete, "0123456789", "X");

    [Fact]
    public void A_line_one_octet_past_the_limit_is_too_long_and_nothing_is_consumed() =>
        AssertNothingConsumed("01234567890\r\n", LineStatus.TooLong);

    [Theory]
    [InlineData("01234567890\r")]
    [InlineData("0123456789ab")]
    [InlineData("0123456789abcdefghijklmnop")]
    public void Once_the_limit_and_a_crlf_could_not_hold_the_line_it_is_too_long(string input) =>
        AssertNothingConsumed(input, LineStatus.TooLong);

    [Fact]
    public void The_limit_does_not_count_the_crlf()
    {
        AssertLine("a\r\n", LineStatus.Complete, "a", string.Empty, max: 1);
        AssertNothingConsumed("ab\r\n", LineStatus.TooLong, max: 1);
        AssertLine("\r\n", LineStatus.Complete, string.Empty, string.Empty, max: 0);
    }

    [Fact]
    public void After_too_long_the_rest_of_the_line_is_skipped_up_to_its_lf()
    {
        ForEveryShape("0123456789abcdef\r\nNOOP\r\n", (shape, buffer) =>
        {
            Assert.Equal(LineStatus.TooLong, LineReader.TryReadLine(buffer, Max, out _, out _));
            Assert.True(LineReader.TrySkipLine(buffer, out var next), shape);
            var rest = buffer.Slice(next);
            Assert.Equal(LineStatus.Complete, LineReader.TryReadLine(rest, Max, out var line, out _));
            Assert.Equal("NOOP", Text(line));
        });
    }

    [Fact]
    public void Skipping_without_an_lf_in_sight_discards_everything_buffered()
    {
        ForEveryShape("0123456789abcdef", (shape, buffer) =>
        {
            Assert.False(LineReader.TrySkipLine(buffer, out var next), shape);
            Assert.True(next.Equals(buffer.End), shape);
        });
    }

    [Theory]
    [InlineData("NOOP\nQUIT\r\n", "NOOP", "QUIT\r\n")]
    [InlineData("\n", "", "")]
    [InlineData("\nX", "", "X")]
    [InlineData("0123456789\n", "0123456789", "")]
    [InlineData("a\r\rb\n", "a\r\rb", "")]
    public void A_bare_lf_ends_the_line_and_is_reported(string input, string line, string rest) =>
        AssertLine(input, LineStatus.BareLineFeed, line, rest);

    [Theory]
    [InlineData("NO\rOP\r\nX", "NO\rOP", "X")]
    [InlineData("\r\r\n", "\r", "")]
    [InlineData("\rNOOP\r\n", "\rNOOP", "")]
    [InlineData("012345678\r\r\n", "012345678\r", "")]
    public void A_bare_cr_inside_a_line_is_reported_and_the_line_consumed(string input, string line, string rest) =>
        AssertLine(input, LineStatus.BareCarriageReturn, line, rest);

    [Fact]
    public void A_bare_cr_line_is_still_bounded_by_the_limit() =>
        AssertNothingConsumed("0123456789\r\r\n", LineStatus.TooLong);

    [Fact]
    public void Octets_other_than_cr_and_lf_pass_through_untouched()
    {
        byte[] data = [(byte)'A', 0, 0xFF, 0xC3, (byte)'\t', (byte)'\r', (byte)'\n'];
        foreach (var (shape, buffer) in EveryShape(data))
        {
            Assert.Equal(LineStatus.Complete, LineReader.TryReadLine(buffer, Max, out var line, out _));
            Assert.True(line.ToArray().AsSpan().SequenceEqual(data.AsSpan(0, 5)), shape);
        }
    }
}
