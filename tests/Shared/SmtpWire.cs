using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Carrier.Testing;

/// <summary>
/// A raw SMTP client for exact-reply tests: sends bytes as given (bare LF, NUL, anything) and reads
/// whole replies, multi-line ones included.
/// </summary>
public sealed class SmtpWire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly MemoryStream _pending = new();

    private SmtpWire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>The TLS version negotiated, or None before TLS.</summary>
    public SslProtocols TlsProtocol => _stream is SslStream ssl ? ssl.SslProtocol : SslProtocols.None;

    /// <summary>
    /// Connects; with <paramref name="implicitTls"/> the TLS handshake comes first (ports 465, 995). Linux routes all of
    /// 127.0.0.0/8 to loopback, so a <paramref name="source"/> such as 127.0.0.2 is another client to the server.
    /// </summary>
    public static async Task<SmtpWire> ConnectAsync(int port, bool readGreeting = true, bool implicitTls = false, string? source = null)
    {
        var client = source is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(source), 0));
        await client.ConnectAsync("127.0.0.1", port);
        var wire = new SmtpWire(client);
        if (implicitTls)
        {
            await wire.UpgradeToTlsAsync();
        }

        if (readGreeting)
        {
            string greeting = await wire.ReadReplyAsync();
            if (!greeting.StartsWith("220 ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"unexpected greeting: {greeting}");
            }
        }

        return wire;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command line with CRLF and returns the reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one complete reply (all its lines, CRLF-joined without the last CRLF).</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
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

    /// <summary>
    /// Negotiates TLS on the connection (after a 220 to STARTTLS, or at once for implicit TLS). The test
    /// server's certificate is self-signed: its chain cannot be verified, but it must name the server.
    /// </summary>
    public async Task UpgradeToTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mail.local.test",
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None,
        });
        _stream = ssl;
    }

    /// <summary>True when the server has closed the connection (reads return end of stream).</summary>
    public async Task<bool> IsClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            var buffer = new byte[256];
            while (true)
            {
                int read = await _stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    return true;
                }
            }
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

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        while (true)
        {
            byte[] pending = _pending.ToArray();
            int lf = Array.IndexOf(pending, (byte)'\n');
            if (lf >= 0)
            {
                _pending.SetLength(0);
                _pending.Write(pending, lf + 1, pending.Length - lf - 1);
                int end = lf > 0 && pending[lf - 1] == '\r' ? lf - 1 : lf;
                return Encoding.UTF8.GetString(pending, 0, end);
            }

            int read = await _stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return null;
            }

            _pending.Write(buffer, 0, read);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
        await _pending.DisposeAsync();
    }
}
