using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP connection that sends exactly the bytes a test gives (bare LF, overlong lines) from a chosen
/// loopback source address, and reads whole SMTP replies.
/// </summary>
public sealed class RawSmtpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];

    private RawSmtpConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Connects from <paramref name="source"/> (any 127.x.y.z works on Linux loopback) without reading the greeting.</summary>
    public static async Task<RawSmtpConnection> ConnectAsync(int port, string source = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new RawSmtpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>One complete reply, its lines joined with CRLF; throws when the connection closes first.</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync(cts.Token) ?? throw new EndOfStreamException($"connection closed after: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\r\n", lines);
            }
        }
    }

    /// <summary>True when the server closes the connection within <paramref name="timeout"/> (anything it still sends is skipped).</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var buffer = new byte[1024];
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            int lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                int end = lf > 0 && _pending[lf - 1] == '\r' ? lf - 1 : lf;
                string line = Encoding.UTF8.GetString([.. _pending.Take(end)]);
                _pending.RemoveRange(0, lf + 1);
                return line;
            }

            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }
}
