using System.Buffers;
using System.Text;

namespace Carrier.Tests.Net;

/// <summary>
/// Builds the same bytes as many differently segmented <see cref="ReadOnlySequence{T}"/>s, the way a socket
/// may hand them over: whole, one byte per segment, and cut at every possible place.
/// </summary>
internal static class Sequences
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySequence<byte> sequence) => Encoding.UTF8.GetString(sequence.ToArray());

    /// <summary>A sequence made of the given segments, in order (empty segments included).</summary>
    public static ReadOnlySequence<byte> FromSegments(params byte[][] segments)
    {
        if (segments.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(segments[0], 0);
        var last = first;
        for (int i = 1; i < segments.Length; i++)
        {
            last = last.Append(segments[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        data.Length == 0 ? FromSegments([]) : FromSegments([.. data.Select(b => new[] { b })]);

    /// <summary>
    /// Every shape of <paramref name="data"/>: one segment, one byte per segment, and every cut into two
    /// and three segments (empty ones at the ends included), each with a name for failure messages.
    /// </summary>
    public static IEnumerable<(string Shape, ReadOnlySequence<byte> Sequence)> EveryShape(byte[] data)
    {
        yield return ("one segment", new ReadOnlySequence<byte>(data));
        yield return ("one byte per segment", OneBytePerSegment(data));
        for (int i = 0; i <= data.Length; i++)
        {
            yield return ($"cut at {i}", FromSegments(data[..i], data[i..]));
        }

        for (int i = 1; i < data.Length; i++)
        {
            for (int j = i + 1; j < data.Length; j++)
            {
                yield return ($"cut at {i} and {j}", FromSegments(data[..i], data[i..j], data[j..]));
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long runningIndex)
        {
            Memory = data;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
