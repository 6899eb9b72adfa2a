using System.Text;
using Carrier.Sendmail;

namespace Carrier.Tests.Host;

/// <summary>A message from a local program: line ends, the lone dot, headers, Bcc: and the size limit.</summary>
public sealed class LocalMessageTests
{
    private const long NoLimit = 10 * 1024 * 1024;

    private static async Task<LocalMessage> ReadAsync(string input, bool ignoreDots = false, Stream? stream = null)
    {
        var message = await LocalMessage.ReadAsync(stream ?? new MemoryStream(Encoding.UTF8.GetBytes(input)), ignoreDots, NoLimit, CancellationToken.None);
        Assert.NotNull(message);
        return message;
    }

    private static string Wire(LocalMessage message, bool removeBcc = false, params string[] prepend) =>
        Encoding.UTF8.GetString(message.ToBytes(prepend, removeBcc));

    // --- line ends -------------------------------------------------------------------------------------

    [Fact]
    public async Task Lf_line_ends_become_crlf()
    {
        var message = await ReadAsync("Subject: hi\nTo: alice@example.org\n\nline one\nline two\n");
        Assert.Equal("Subject: hi\r\nTo: alice@example.org\r\n\r\nline one\r\nline two\r\n", Wire(message));
    }

    [Fact]
    public async Task Crlf_line_ends_stay_as_they_are()
    {
        const string input = "Subject: hi\r\n\r\nline one\r\nline two\r\n";
        Assert.Equal(input, Wire(await ReadAsync(input)));
    }

    [Fact]
    public async Task Mixed_line_ends_all_become_crlf() =>
        Assert.Equal("Subject: hi\r\n\r\none\r\ntwo\r\nthree\r\n", Wire(await ReadAsync("Subject: hi\r\n\none\ntwo\r\nthree\n")));

    [Fact]
    public async Task A_last_line_without_a_line_end_gets_one() =>
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", Wire(await ReadAsync("Subject: hi\n\nbody")));

    [Fact]
    public async Task Input_read_in_small_pieces_gives_the_same_message()
    {
        const string input = "Subject: hi\nTo: alice@example.org\n\nline one\nline two\n";
        var trickled = await ReadAsync(input, stream: new TrickleStream(Encoding.UTF8.GetBytes(input)));
        Assert.Equal(Wire(await ReadAsync(input)), Wire(trickled));
    }

    // --- the lone dot --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("Subject: hi\n\nbefore\n.\nafter\n")]
    [InlineData("Subject: hi\r\n\r\nbefore\r\n.\r\nafter\r\n")]
    public async Task A_line_with_a_single_dot_ends_the_input(string input) =>
        Assert.Equal("Subject: hi\r\n\r\nbefore\r\n", Wire(await ReadAsync(input)));

    [Fact]
    public async Task With_ignore_dots_a_single_dot_is_content() =>
        Assert.Equal("Subject: hi\r\n\r\nbefore\r\n.\r\nafter\r\n", Wire(await ReadAsync("Subject: hi\n\nbefore\n.\nafter\n", ignoreDots: true)));

    [Theory]
    [InlineData("..\n")]
    [InlineData(".x\n")]
    [InlineData(". \n")]
    [InlineData("a.\n")]
    public async Task Other_lines_with_dots_are_kept_as_they_are(string line) =>
        Assert.Equal($"Subject: hi\r\n\r\n{line.TrimEnd('\n')}\r\nend\r\n", Wire(await ReadAsync($"Subject: hi\n\n{line}end\n")));

    [Fact]
    public async Task A_dot_in_the_headers_ends_the_input_too() =>
        Assert.Equal("Subject: hi\r\n\r\n", Wire(await ReadAsync("Subject: hi\n.\nTo: alice@example.org\n")));

    // --- headers -----------------------------------------------------------------------------------------

    [Fact]
    public async Task A_message_without_headers_is_all_body()
    {
        var message = await ReadAsync("hello world\nsecond line\n");
        Assert.False(message.Has("From"));
        Assert.Empty(message.HeaderRecipients());
        Assert.Equal("From: root@example.org\r\n\r\nhello world\r\nsecond line\r\n", Wire(message, prepend: "From: root@example.org"));
    }

    [Fact]
    public async Task A_first_line_with_a_colon_after_words_is_not_a_header()
    {
        var message = await ReadAsync("Dear John: the report is attached.\nRegards\n");
        Assert.False(message.Has("Dear John"));
        Assert.Equal("\r\nDear John: the report is attached.\r\nRegards\r\n", Wire(message));
    }

    [Fact]
    public async Task An_empty_message_gets_only_the_added_headers() =>
        Assert.Equal("Date: x\r\n\r\n", Wire(await ReadAsync(string.Empty), prepend: "Date: x"));

    [Fact]
    public async Task Added_headers_come_before_the_message_s_own()
    {
        var message = await ReadAsync("Subject: hi\n\nbody\n");
        Assert.Equal("Received: x\r\nFrom: y\r\nSubject: hi\r\n\r\nbody\r\n", Wire(message, false, "Received: x", "From: y"));
    }

    [Fact]
    public async Task The_header_section_ends_at_the_first_line_that_is_not_a_header()
    {
        var message = await ReadAsync("Subject: hi\nthis is the body\nTo: not-a-header@example.org\n");
        Assert.True(message.Has("subject"));
        Assert.False(message.Has("To"));
        Assert.Equal("Subject: hi\r\n\r\nthis is the body\r\nTo: not-a-header@example.org\r\n", Wire(message));
    }

    [Fact]
    public async Task Header_like_lines_after_the_blank_line_are_body()
    {
        var message = await ReadAsync("Subject: hi\n\nTo: not-a-header@example.org\n");
        Assert.Empty(message.HeaderRecipients());
        Assert.Equal("Subject: hi\r\n\r\nTo: not-a-header@example.org\r\n", Wire(message));
    }

    [Fact]
    public async Task Header_values_are_unfolded_and_found_without_regard_to_case()
    {
        var message = await ReadAsync("SUBJECT: a long\n subject line\nX-Empty:\nsubject: again\n\nbody\n");
        Assert.Equal(["a long subject line", "again"], message.Values("Subject"));
        Assert.Equal([string.Empty], message.Values("x-empty"));
        Assert.True(message.Has("X-EMPTY"));
        Assert.Empty(message.Values("From"));
    }

    [Fact]
    public async Task Space_before_a_header_colon_is_not_part_of_the_value()
    {
        var message = await ReadAsync("Subject : hi\n\nbody\n");
        Assert.Equal(["hi"], message.Values("Subject"));
    }

    [Fact]
    public async Task Header_recipients_come_from_to_cc_and_bcc()
    {
        var message = await ReadAsync("""
            From: root@example.org
            To: Alice <alice@example.org>, bob@example.org
            Cc: "Carol, C." <carol@example.org>,
             dave@example.org
            Bcc: eve@example.org
            Reply-To: frank@example.org
            To: grace@example.org

            body
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(
            ["alice@example.org", "bob@example.org", "grace@example.org", "carol@example.org", "dave@example.org", "eve@example.org"],
            message.HeaderRecipients());
    }

    [Fact]
    public async Task Group_syntax_yields_its_members()
    {
        var message = await ReadAsync("To: team: alice@example.org, bob@example.org;\nCc: undisclosed-recipients:;\n\nbody\n");
        Assert.Equal(["alice@example.org", "bob@example.org"], message.HeaderRecipients());
    }

    // --- Bcc: ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Bcc_is_removed_with_its_continuation_lines_when_asked()
    {
        var message = await ReadAsync("To: alice@example.org\nBcc: secret1@example.org,\n\tsecret2@example.org,\n secret3@example.org\nSubject: s\nBCC: secret4@example.org\n\nbody\n");
        Assert.Equal("To: alice@example.org\r\nSubject: s\r\n\r\nbody\r\n", Wire(message, removeBcc: true));
        Assert.Equal(
            ["alice@example.org", "secret1@example.org", "secret2@example.org", "secret3@example.org", "secret4@example.org"],
            message.HeaderRecipients());
    }

    [Fact]
    public async Task Bcc_is_kept_unless_asked()
    {
        const string input = "To: alice@example.org\r\nBcc: secret@example.org\r\n\r\nbody\r\n";
        Assert.Equal(input, Wire(await ReadAsync(input)));
    }

    [Fact]
    public async Task Only_the_bcc_field_is_removed_not_fields_that_start_alike()
    {
        var message = await ReadAsync("Bcc-Note: kept\nBcc: removed@example.org\n\nbody\n");
        Assert.Equal("Bcc-Note: kept\r\n\r\nbody\r\n", Wire(message, removeBcc: true));
    }

    // --- size ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Input_up_to_the_limit_is_read_and_one_octet_more_is_refused()
    {
        byte[] input = Encoding.ASCII.GetBytes("Subject: x\n\n0123456789\n");
        Assert.NotNull(await LocalMessage.ReadAsync(new MemoryStream(input), false, input.Length, CancellationToken.None));
        Assert.Null(await LocalMessage.ReadAsync(new MemoryStream(input), false, input.Length - 1, CancellationToken.None));
    }

    [Fact]
    public async Task The_limit_holds_however_the_input_arrives()
    {
        byte[] input = Encoding.ASCII.GetBytes(new string('x', 200_000));
        Assert.Null(await LocalMessage.ReadAsync(new TrickleStream(input, 7), false, 150_000, CancellationToken.None));
        Assert.Null(await LocalMessage.ReadAsync(new MemoryStream(input), false, 150_000, CancellationToken.None));
    }

    /// <summary>A stream that hands out at most a few octets per read, like a slow pipe.</summary>
    private sealed class TrickleStream(byte[] data, int pieceSize = 1) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(pieceSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
