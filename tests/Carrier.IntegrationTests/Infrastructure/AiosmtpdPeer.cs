using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Carrier.Testing;
using MimeKit;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// Another mail server on loopback: Python's aiosmtpd writing what it receives into a Maildir, with the
/// envelope in X-MailFrom and X-RcptTo headers. Started late or not at all, it plays a peer that is down.
/// </summary>
public sealed class AiosmtpdPeer : IDisposable
{
    private ChildProcess? _process;

    public AiosmtpdPeer(string scratch)
    {
        // aiosmtpd's Mailbox handler creates the Maildir only when the folder does not exist yet.
        Maildir = Path.Combine(scratch, $"peer-{Guid.NewGuid():N}");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
    }

    public int Port { get; }

    public string Maildir { get; }

    /// <summary>The route a Carrier transport override takes to reach this peer without DNS.</summary>
    public string Route => string.Create(CultureInfo.InvariantCulture, $"[127.0.0.1]:{Port}");

    public async Task StartAsync()
    {
        _process = ChildProcess.Start(RepositoryPaths.Python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await using var probe = await SmtpWire.ConnectAsync(Port, readGreeting: false);
                Assert.StartsWith("220", await probe.ReadReplyAsync(), StringComparison.Ordinal);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The messages received so far.</summary>
    public IReadOnlyList<MimeMessage> Received()
    {
        string folder = Path.Combine(Maildir, "new");
        return System.IO.Directory.Exists(folder) ? [.. System.IO.Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))] : [];
    }

    public void Dispose() => _process?.Dispose();
}
