using System.Buffers;
using System.Text;
using Carrier.Imap.Protocol;

namespace Carrier.Tests.Imap.Protocol;

public sealed class CommandFramerTests
{
    private static List<Frame> FeedOneByteAtATime(CommandFramer framer, string input)
    {
        var frames = new List<Frame>();
        var pending = new List<byte>();
        foreach (byte b in Encoding.UTF8.GetBytes(input))
        {
            pending.Add(b);
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (true)
            {
                var frame = framer.Next(ref buffer);
                if (frame.Kind == FrameKind.NeedMoreData)
                {
                    break;
                }

                frames.Add(frame);
            }

            pending = [.. buffer.ToArray()];
        }

        return frames;
    }

    private static string Text(Frame frame) => Encoding.UTF8.GetString(frame.Command!);

    [Fact]
    public void Lines_and_literals_arriving_one_octet_at_a_time_make_whole_commands()
    {
        var framer = new CommandFramer(1000, 100, 1000);
        var frames = FeedOneByteAtATime(framer, "a1 NOOP\r\na2 LOGIN {3}\r\nbob {4+}\r\npass\r\n");
        Assert.Equal([FrameKind.Command, FrameKind.SendContinuation, FrameKind.Command], frames.Select(f => f.Kind));
        Assert.Equal("a1 NOOP", Text(frames[0]));
        Assert.Equal("a2 LOGIN {3}\r\nbob {4+}\r\npass", Text(frames[2]));
        Assert.Equal("a2", frames[2].Tag);
    }

    [Fact]
    public void A_literal_may_hold_CRLF_and_braces_without_ending_the_command()
    {
        var framer = new CommandFramer(1000, 100, 1000);
        var frames = FeedOneByteAtATime(framer, "t APPEND X {10+}\r\n{1}\r\n\r\n}{}\r\n");
        Assert.Equal("t APPEND X {10+}\r\n{1}\r\n\r\n}{}", Text(Assert.Single(frames)));
    }

    [Fact]
    public void Literals_over_the_limit_are_refused_at_their_announcement()
    {
        var framer = new CommandFramer(1000, 100, 5000);
        var frames = FeedOneByteAtATime(framer, "a LOGIN {101}\r\nc APPEND INBOX {5001}\r\nd LOGIN {101+}\r\n");
        Assert.Equal([FrameKind.LiteralTooLarge, FrameKind.LiteralTooLarge, FrameKind.NonSynchronizingLiteralTooLarge], frames.Select(f => f.Kind));
        Assert.Equal(["a", "c", "d"], frames.Select(f => f.Tag));

        // APPEND has the larger limit (the message size).
        Assert.Equal(FrameKind.SendContinuation, Assert.Single(FeedOneByteAtATime(framer, "b APPEND INBOX {4000}\r\n")).Kind);
    }

    [Fact]
    public void An_overlong_line_is_reported_once_and_skipped()
    {
        var framer = new CommandFramer(20, 100, 100);
        var frames = FeedOneByteAtATime(framer, "x1 NOOP " + new string('z', 100) + "\r\nx2 NOOP\r\n");
        Assert.Equal([FrameKind.LineTooLong, FrameKind.Command], frames.Select(f => f.Kind));
        Assert.Equal("x1", frames[0].Tag);
        Assert.Equal("x2 NOOP", Text(frames[1]));
    }

    [Fact]
    public void A_size_too_long_to_be_a_number_is_still_a_refused_literal()
    {
        var framer = new CommandFramer(1000, 100, 100);
        var frames = FeedOneByteAtATime(framer, "q LOGIN {123456789012345678901234+}\r\n");
        Assert.Equal(FrameKind.NonSynchronizingLiteralTooLarge, Assert.Single(frames).Kind);
    }
}
