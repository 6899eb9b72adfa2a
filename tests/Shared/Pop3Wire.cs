using System.Net.Sockets;
using System.Text;

namespace Carrier.Testing;

/// <summary>
/// A raw POP3 client for exact-reply tests: sends bytes as given and reads status lines and multi-line
/// responses exactly as they arrive (still dot-stuffed), so that tests see what a client would see.
/// </summary>
public sealed class Pop3Wire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[16384];
    private int _start;
    private int _end;

    private Pop3Wire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<Pop3Wire> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var wire = new Pop3Wire(client);
        wire.Greeting = await wire.ReadLineAsync();
        return wire;
    }

    /// <summary>Connects and logs in with USER/PASS, failing the test if that does not work.</summary>
    public static async Task<Pop3Wire> LoginAsync(int port, string user, string password)
    {
        var wire = await ConnectAsync(port);
        Assert.StartsWith("+OK", await wire.CommandAsync($"USER {user}"));
        Assert.StartsWith("+OK", await wire.CommandAsync($"PASS {password}"));
        return wire;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command line and returns the status line of the reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>Sends a command and reads a multi-line reply: the status line, then the raw lines up to (not including) the terminating ".".</summary>
    public async Task<(string Status, List<string> Lines)> MultilineAsync(string line)
    {
        string status = await CommandAsync(line);
        return (status, status.StartsWith("+OK", StringComparison.Ordinal) ? await ReadBodyAsync() : []);
    }

    /// <summary>Reads the lines of a multi-line response up to the terminating "." line, as sent (dot-stuffed).</summary>
    public async Task<List<string>> ReadBodyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync();
            if (line == ".")
            {
                return lines;
            }

            lines.Add(line);
        }
    }

    /// <summary>Reads one line without its CRLF; throws when the server closes first.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var line = new MemoryStream();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, timeout.Token);
                if (_end == 0)
                {
                    throw new EndOfStreamException($"connection closed; partial line: {Encoding.UTF8.GetString(line.ToArray())}");
                }
            }

            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf < 0)
            {
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                continue;
            }

            line.Write(_buffer, _start, lf - _start + 1);
            _start = lf + 1;
            byte[] bytes = line.ToArray();
            Assert.True(bytes.Length >= 2 && bytes[^2] == '\r', "every line from the server ends with CRLF");
            return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 2);
        }
    }

    /// <summary>True when the server closes the connection without sending anything more.</summary>
    public async Task<bool> IsClosedAsync()
    {
        if (_start != _end)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await _stream.ReadAsync(_buffer, timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
