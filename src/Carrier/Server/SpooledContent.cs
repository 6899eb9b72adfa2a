using Carrier.Smtp.Server;
using Carrier.Store.Blobs;

namespace Carrier.Server;

/// <summary>
/// Content held back until the end of DATA, so that header fields computed from the whole message
/// (Authentication-Results) can be put in front of it: in memory up to <see cref="MemoryLimit"/>, in a
/// temporary file (deleted on close) beyond. Disposing it discards it.
/// </summary>
public sealed class SpooledContent : IMessageContentWriter
{
    public const int MemoryLimit = 256 * 1024;

    private Stream _spool = new MemoryStream();

    public long Length => _spool.Length;

    /// <summary>The spooled octets, readable and seekable.</summary>
    public Stream Content => _spool;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (_spool is MemoryStream memory && memory.Length + content.Length > MemoryLimit)
        {
            var file = new FileStream(
                Path.Combine(Path.GetTempPath(), $"carrier-spool-{Guid.NewGuid():N}"),
                FileMode.CreateNew,
                FileAccess.ReadWrite,
                FileShare.None,
                bufferSize: 64 * 1024,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            memory.Position = 0;
            await memory.CopyToAsync(file, cancellationToken);
            _spool = file;
        }

        await _spool.WriteAsync(content, cancellationToken);
    }

    /// <summary>Writes <paramref name="header"/>, then the spooled content without the <paramref name="removed"/> ranges.</summary>
    public async ValueTask CopyToAsync(IBlobWriter blob, ReadOnlyMemory<byte> header, IReadOnlyList<(long Offset, long Length)> removed, CancellationToken cancellationToken)
    {
        await blob.WriteAsync(header, cancellationToken);
        var buffer = new byte[64 * 1024];
        long position = 0;
        foreach (var (offset, length) in removed.OrderBy(r => r.Offset).Append((_spool.Length, 0L)))
        {
            if (offset < position)
            {
                continue;
            }

            await CopyRangeAsync(blob, position, offset - position, buffer, cancellationToken);
            position = offset + length;
        }
    }

    private async ValueTask CopyRangeAsync(IBlobWriter blob, long start, long count, byte[] buffer, CancellationToken cancellationToken)
    {
        _spool.Position = start;
        while (count > 0)
        {
            int read = await _spool.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("the spooled content ended early");
            }

            await blob.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            count -= read;
        }
    }

    public ValueTask DisposeAsync() => _spool.DisposeAsync();
}
