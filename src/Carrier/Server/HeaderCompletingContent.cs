using System.Text;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;

namespace Carrier.Server;

/// <summary>
/// Submitted content whose header is completed on the way to the queue (RFC 6409 §8.2, §8.3): a message without
/// <c>Date:</c> or <c>Message-ID:</c> gets them. The header is held back until its blank line (at most
/// <see cref="MaxHeaderBytes"/>), the body streams through untouched.
/// </summary>
public sealed class HeaderCompletingContent : IMessageContentWriter
{
    /// <summary>Headers longer than this are passed on as they are, unexamined.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private readonly IMessageContentWriter _inner;
    private readonly string _hostname;
    private readonly DateTimeOffset _now;
    private MemoryStream? _head = new();

    public HeaderCompletingContent(IMessageContentWriter inner, string hostname, DateTimeOffset now)
    {
        _inner = inner;
        _hostname = hostname;
        _now = now;
    }

    public IMessageContentWriter Inner => _inner;

    public long Length => _inner.Length + (_head?.Length ?? 0);

    /// <summary>The From: field as written (unfolded), once the header has been seen; null when there is none.</summary>
    public string? From { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (_head is null)
        {
            await _inner.WriteAsync(content, cancellationToken);
            return;
        }

        _head.Write(content.Span);
        var buffered = _head.GetBuffer().AsSpan(0, (int)_head.Length);
        int blank = buffered.IndexOf("\r\n\r\n"u8);
        if (blank >= 0)
        {
            await ReleaseAsync(blank + 2, cancellationToken);
        }
        else if (_head.Length > MaxHeaderBytes)
        {
            await ReleaseAsync(headerEnd: -1, cancellationToken);
        }
    }

    /// <summary>Passes on what is still held back; a message that is all header is completed at its end.</summary>
    public ValueTask FinishAsync(CancellationToken cancellationToken) =>
        _head is null ? ValueTask.CompletedTask : ReleaseAsync((int)_head.Length, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <param name="headerEnd">Where the header ends (before the blank line), or -1 to pass everything on unchanged.</param>
    private async ValueTask ReleaseAsync(int headerEnd, CancellationToken cancellationToken)
    {
        var head = _head!;
        _head = null;
        var buffered = head.GetBuffer().AsMemory(0, (int)head.Length);
        if (headerEnd < 0)
        {
            await _inner.WriteAsync(buffered, cancellationToken);
            return;
        }

        var header = buffered[..headerEnd];
        var fields = ReadFields(Encoding.UTF8.GetString(header.Span));
        From = fields.GetValueOrDefault("from");
        var missing = new StringBuilder();
        if (header.Length > 0 && !header.Span.EndsWith("\r\n"u8))
        {
            missing.Append("\r\n");
        }

        if (!fields.ContainsKey("date"))
        {
            missing.Append("Date: ").Append(Rfc5322Date.Format(_now)).Append("\r\n");
        }

        if (!fields.ContainsKey("message-id"))
        {
            missing.Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append('@').Append(_hostname).Append(">\r\n");
        }

        await _inner.WriteAsync(header, cancellationToken);
        if (missing.Length > 0)
        {
            await _inner.WriteAsync(Encoding.UTF8.GetBytes(missing.ToString()), cancellationToken);
        }

        await _inner.WriteAsync(buffered[headerEnd..], cancellationToken);
    }

    /// <summary>Field names (lower case) with their unfolded values; the first occurrence of each wins.</summary>
    private static Dictionary<string, string> ReadFields(string header)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var value = new StringBuilder();
        foreach (string line in header.Split("\r\n"))
        {
            if (line.Length > 0 && line[0] is ' ' or '\t' && name is not null)
            {
                value.Append(line);
                continue;
            }

            Add();
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            name = colon > 0 ? line[..colon].Trim().ToLowerInvariant() : null;
            value.Clear().Append(colon > 0 ? line[(colon + 1)..] : string.Empty);
        }

        Add();
        return fields;

        void Add()
        {
            if (name is not null)
            {
                fields.TryAdd(name, value.ToString().Trim());
            }
        }
    }
}
