using MimeKit;

namespace Carrier.Imap.Messages;

/// <summary>Where an entity's header and body lie in the raw message, and how many lines its body has.</summary>
internal readonly record struct EntityExtent(long Begin, long HeadersEnd, long End, int Lines)
{
    public long BodyLength => End - HeadersEnd;
}

/// <summary>
/// A message parsed once with the byte offsets of every entity and embedded message, so that sizes, line
/// counts and sections are cut from the original octets rather than from a re-serialisation that could differ.
/// </summary>
internal sealed class MessageLayout
{
    private readonly Dictionary<MimeEntity, EntityExtent> _entities;
    private readonly Dictionary<MimeMessage, EntityExtent> _messages;

    private MessageLayout(ReadOnlyMemory<byte> content, MimeMessage message, Dictionary<MimeEntity, EntityExtent> entities, Dictionary<MimeMessage, EntityExtent> messages)
    {
        Content = content;
        Message = message;
        _entities = entities;
        _messages = messages;
    }

    public ReadOnlyMemory<byte> Content { get; }

    public MimeMessage Message { get; }

    /// <summary>Reads a whole message into memory and parses it. Messages are bounded by the server's size limit.</summary>
    public static async ValueTask<MessageLayout> LoadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    public static MessageLayout Parse(ReadOnlyMemory<byte> content)
    {
        var entities = new Dictionary<MimeEntity, EntityExtent>(ReferenceEqualityComparer.Instance);
        var messages = new Dictionary<MimeMessage, EntityExtent>(ReferenceEqualityComparer.Instance);
        var entityBegins = new Dictionary<MimeEntity, long>(ReferenceEqualityComparer.Instance);
        var messageBegins = new Dictionary<MimeMessage, long>(ReferenceEqualityComparer.Instance);

        using var input = new ReadOnlyMemoryStream(content);
        var parser = new MimeParser(input, MimeFormat.Entity, persistent: false);
        parser.MimeEntityBegin += (_, e) => entityBegins[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) =>
            entities[e.Entity] = new EntityExtent(entityBegins.GetValueOrDefault(e.Entity), e.HeadersEndOffset, e.EndOffset, e.Lines);
        parser.MimeMessageBegin += (_, e) => messageBegins[e.Message] = e.BeginOffset;
        parser.MimeMessageEnd += (_, e) =>
            messages[e.Message] = new EntityExtent(messageBegins.GetValueOrDefault(e.Message), e.HeadersEndOffset, e.EndOffset, 0);

        var message = parser.ParseMessage();
        return new MessageLayout(content, message, entities, messages);
    }

    public EntityExtent Extent(MimeEntity entity) =>
        _entities.TryGetValue(entity, out var extent) ? extent : new EntityExtent(0, 0, 0, 0);

    public EntityExtent Extent(MimeMessage message) =>
        _messages.TryGetValue(message, out var extent) ? extent : new EntityExtent(0, 0, 0, 0);

    public ReadOnlyMemory<byte> Slice(long from, long to) =>
        from >= 0 && to >= from && to <= Content.Length ? Content[(int)from..(int)to] : ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// Follows an IMAP part number (RFC 9051 §6.4.5) from the top-level message: numbers index the parts of a
    /// multipart, part 1 of a message whose body is not multipart is that body, and a number after a message/rfc822 part
    /// goes into the embedded message. Null when there is no such part.
    /// </summary>
    public MimeEntity? Resolve(IReadOnlyList<int> part)
    {
        MimeEntity? entity = Message.Body;
        bool isMessageBody = true;
        for (int i = 0; i < part.Count && entity is not null; i++)
        {
            if (i > 0 && entity is MessagePart { Message: { } embedded })
            {
                entity = embedded.Body;
                isMessageBody = true;
            }

            entity = entity switch
            {
                Multipart multipart => part[i] >= 1 && part[i] <= multipart.Count ? multipart[part[i] - 1] : null,
                not null when isMessageBody && part[i] == 1 => entity,
                _ => null,
            };
            isMessageBody = false;
        }

        return entity;
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> content) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => content.Length;

        public override long Position
        {
            get => _position;
            set => _position = (int)Math.Clamp(value, 0, content.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, content.Length - _position);
            content.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => content.Length + offset,
            };
            return _position;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
