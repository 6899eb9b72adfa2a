using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Carrier.Tests.Smtp.Client;

/// <summary>
/// A small SMTP server on a loopback socket whose answers a test chooses: greeting, extensions, replies to
/// MAIL, RCPT (per address) and the end of data, or silence. It records what clients sent. It plays the
/// remote peer for the client tests, where the cases needed (a 7-bit server, a HELO-only server, a 421)
/// are easier to set up than with an off-the-shelf server.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public ScriptedSmtpServer(IPAddress? address = null, int port = 0)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public string Greeting { get; set; } = "220 scripted.example ESMTP";

    /// <summary>Accept connections but never say anything.</summary>
    public bool Silent { get; set; }

    public bool Ehlo { get; set; } = true;

    public List<string> Extensions { get; } = ["PIPELINING", "SIZE 10000000", "8BITMIME", "SMTPUTF8", "DSN", "ENHANCEDSTATUSCODES"];

    public string MailReply { get; set; } = "250 2.1.0 Ok";

    public Func<string, string> RcptReply { get; set; } = _ => "250 2.1.5 Ok";

    public string DataReply { get; set; } = "354 go ahead";

    public string FinalReply { get; set; } = "250 2.0.0 Ok: queued";

    public int Connections => Volatile.Read(ref _connections);

    public ConcurrentQueue<string> Commands { get; } = new();

    /// <summary>Every message received, as the bytes after dot-unstuffing, with the MAIL and RCPT lines that carried it.</summary>
    public ConcurrentQueue<(string Mail, IReadOnlyList<string> Recipients, byte[] Content)> Messages { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            if (Silent)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }

            var reader = new LineReader(stream);
            await WriteAsync(stream, Greeting);
            if (!Greeting.StartsWith("220", StringComparison.Ordinal))
            {
                return;
            }

            string? mail = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Commands.Enqueue(line);
                string verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" when Ehlo:
                        await WriteAsync(stream, string.Join("\r\n", new[] { "scripted.example" }.Concat(Extensions).Select((l, i) => $"250{(i == Extensions.Count ? ' ' : '-')}{l}")));
                        break;
                    case "EHLO":
                        await WriteAsync(stream, "500 5.5.1 unknown command");
                        break;
                    case "HELO":
                        await WriteAsync(stream, "250 scripted.example");
                        break;
                    case "MAIL":
                        mail = MailReply.StartsWith('2') ? line : null;
                        recipients.Clear();
                        await WriteAsync(stream, MailReply);
                        break;
                    case "RCPT" when mail is null:
                        await WriteAsync(stream, "503 5.5.1 need MAIL");
                        break;
                    case "RCPT":
                        string reply = RcptReply(line);
                        if (reply.StartsWith('2'))
                        {
                            recipients.Add(line);
                        }

                        await WriteAsync(stream, reply);
                        break;
                    case "DATA":
                        if (recipients.Count == 0)
                        {
                            await WriteAsync(stream, "554 5.5.1 no valid recipients");
                            break;
                        }

                        await WriteAsync(stream, DataReply);
                        if (!DataReply.StartsWith("354", StringComparison.Ordinal))
                        {
                            break;
                        }

                        var content = new MemoryStream();
                        while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                        {
                            content.Write(Encoding.UTF8.GetBytes((dataLine.StartsWith('.') ? dataLine[1..] : dataLine) + "\r\n"));
                        }

                        // Recorded before the reply, as a real server commits before it acknowledges, so a
                        // client that has its 250 can count on the message being here.
                        if (FinalReply.StartsWith('2'))
                        {
                            Messages.Enqueue((mail ?? string.Empty, [.. recipients], content.ToArray()));
                        }

                        await WriteAsync(stream, FinalReply);

                        mail = null;
                        break;
                    case "RSET":
                        recipients.Clear();
                        await WriteAsync(stream, "250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await WriteAsync(stream, "221 2.0.0 Bye");
                        return;
                    default:
                        await WriteAsync(stream, "502 5.5.2 not here");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task WriteAsync(NetworkStream stream, string reply) =>
        await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    /// <summary>Reads CRLF lines as raw bytes decoded as UTF-8.</summary>
    private sealed class LineReader(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    int length = lf - _start - (lf > _start && _buffer[lf - 1] == '\r' ? 1 : 0);
                    string line = Encoding.UTF8.GetString(_buffer, _start, length);
                    _start = lf + 1;
                    return line;
                }

                if (_start > 0)
                {
                    Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                int read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
                if (read == 0)
                {
                    return null;
                }

                _end += read;
            }
        }
    }
}
