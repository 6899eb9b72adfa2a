using System.Net.Sockets;
using System.Text;

namespace Carrier.Testing;

/// <summary>
/// A raw IMAP client for transcript tests: sends bytes exactly as given and reads responses up to the tagged
/// one, literals included (their octets become part of the returned text).
/// </summary>
public sealed class ImapWire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private ImapWire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<ImapWire> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var wire = new ImapWire(client);
        wire.Greeting = await wire.ReadLineAsync() ?? throw new EndOfStreamException("no greeting");
        return wire;
    }

    /// <summary>Connects and logs in with LOGIN.</summary>
    public static async Task<ImapWire> LoginAsync(int port, string user, string password = "password-of-test-user")
    {
        var wire = await ConnectAsync(port);
        string reply = await wire.CommandAsync("L0", $"LOGIN {user} {password}");
        if (!reply.Contains("L0 OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("login failed: " + reply);
        }

        return wire;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends "tag command" with CRLF and returns every response line up to and including the tagged one.</summary>
    public async Task<string> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadTaggedAsync(tag);
    }

    /// <summary>Reads lines (with literals) until one starts with the tag; returns them joined by CRLF.</summary>
    public async Task<string> ReadTaggedAsync(string tag, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadResponseAsync(cts.Token) ?? throw new EndOfStreamException($"connection closed after: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return string.Join("\r\n", lines);
            }
        }
    }

    /// <summary>One response: a line, with any literals it announces read into it.</summary>
    public async Task<string?> ReadResponseAsync(CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        while (true)
        {
            string? line = await ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return text.Length == 0 ? null : text.ToString();
            }

            text.Append(line);
            int open = line.LastIndexOf('{');
            if (!line.EndsWith('}') || open < 0 || !int.TryParse(line.AsSpan(open + 1, line.Length - open - 2).TrimEnd('+'), out int length))
            {
                return text.ToString();
            }

            text.Append("\r\n").Append(Encoding.UTF8.GetString(await ReadExactlyAsync(length, cancellationToken)));
        }
    }

    /// <summary>Reads one line without its CRLF; null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                string line = Encoding.UTF8.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    /// <summary>True when the server has closed the connection.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (await FillAsync(cts.Token))
            {
                _start = _end;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int length, CancellationToken cancellationToken)
    {
        var result = new byte[length];
        int copied = 0;
        while (copied < length)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("literal cut short");
            }

            int take = Math.Min(length - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }

        return result;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidOperationException("response line longer than the test buffer");
        }

        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
