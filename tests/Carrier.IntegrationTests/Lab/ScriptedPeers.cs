using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Carrier.IntegrationTests.Lab;

/// <summary>How a scripted peer answers connections.</summary>
public enum PeerMode
{
    /// <summary>Accept and record every message.</summary>
    Accept,

    /// <summary>Not listening: connections are refused.</summary>
    Down,

    /// <summary>Greets with 421 and hangs up.</summary>
    Greet421,

    /// <summary>Greets with 554 and hangs up.</summary>
    Greet554,

    /// <summary>Accepts the connection and never answers.</summary>
    Silent,
}

/// <summary>A message a peer received: envelope as given and the content bytes.</summary>
public sealed record ReceivedMessage(string Helo, string From, IReadOnlyList<string> MailOptions, IReadOnlyList<string> Recipients, byte[] Data, bool OverTls = false)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// The aiosmtpd peers (<c>Lab/Peers/lab_peer.py</c>): mail hosts inside the namespace, each on its own
/// address, driven over the script's control port.
/// </summary>
public sealed class ScriptedPeers : IAsyncDisposable
{
    private readonly LabProcess _process;
    private readonly TcpClient _control;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private ScriptedPeers(LabProcess process, TcpClient control)
    {
        _process = process;
        _control = control;
        var stream = control.GetStream();
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    }

    /// <param name="hosts">Host name → endpoint to listen on.</param>
    public static async Task<ScriptedPeers> StartAsync(LabNetwork network, IPEndPoint control, IReadOnlyDictionary<string, IPEndPoint> hosts)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Lab", "Peers", "lab_peer.py");
        var process = await LabProcess.StartAsync(
            "lab_peer.py",
            "ip",
            network.Inside("/usr/bin/python3", [script, control.ToString(), .. hosts.Select(h => $"{h.Key}={h.Value}")]),
            readyLine: "ready");
        var client = new TcpClient();
        try
        {
            await client.ConnectAsync(control);
            return new ScriptedPeers(process, client);
        }
        catch
        {
            client.Dispose();
            await process.DisposeAsync();
            throw;
        }
    }

    public Task ResetAsync() => SendAsync(new JsonObject { ["op"] = "reset" });

    public Task SetModeAsync(string host, PeerMode mode) =>
        SendAsync(new JsonObject { ["op"] = "mode", ["peer"] = host, ["mode"] = mode.ToString().ToLowerInvariant() });

    /// <summary>Makes <paramref name="host"/> answer RCPT TO for <paramref name="recipient"/> with <paramref name="reply"/>.</summary>
    public Task RefuseAsync(string host, string recipient, string reply) =>
        SendAsync(new JsonObject { ["op"] = "refuse", ["peer"] = host, ["rcpt"] = recipient, ["reply"] = reply });

    /// <summary>Makes <paramref name="host"/> offer STARTTLS with this PEM certificate and key; null stops offering it.</summary>
    public Task OfferTlsAsync(string host, string? certificateFile, string? keyFile) =>
        SendAsync(new JsonObject { ["op"] = "tls", ["peer"] = host, ["cert"] = certificateFile, ["key"] = keyFile });

    public async Task<IReadOnlyList<ReceivedMessage>> MessagesAsync(string host)
    {
        var reply = await SendAsync(new JsonObject { ["op"] = "messages", ["peer"] = host });
        return [.. reply["messages"]!.AsArray().Select(m => new ReceivedMessage(
            m!["helo"]?.GetValue<string>() ?? string.Empty,
            m["from"]!.GetValue<string>(),
            [.. m["mail_options"]!.AsArray().Select(o => o!.GetValue<string>())],
            [.. m["rcpts"]!.AsArray().Select(r => r!.GetValue<string>())],
            Convert.FromBase64String(m["data"]!.GetValue<string>()),
            m["tls"]?.GetValue<bool>() ?? false))];
    }

    /// <summary>Waits until <paramref name="host"/> has received <paramref name="count"/> messages; returns them.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(string host, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var messages = await MessagesAsync(host);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{host} received {messages.Count} of {count} messages");
            }

            await Task.Delay(100);
        }
    }

    private async Task<JsonNode> SendAsync(JsonObject request)
    {
        await _lock.WaitAsync();
        try
        {
            await _writer.WriteLineAsync(request.ToJsonString());
            string line = await _reader.ReadLineAsync() ?? throw new IOException($"the peers' control connection closed: {_process.Output}");
            var reply = JsonNode.Parse(line) ?? throw new IOException("empty reply from the peers");
            if (reply["error"] is { } error)
            {
                throw new InvalidOperationException($"peer command {request.ToJsonString()} failed: {error}");
            }

            return reply;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        _lock.Dispose();
        await _process.DisposeAsync();
    }
}
