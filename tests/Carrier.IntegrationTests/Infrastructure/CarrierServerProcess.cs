using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// <c>carrier serve</c> as a child process on free loopback ports, configured the way an administrator
/// would: <c>CARRIER_</c> environment variables over the data directory's carrier.json.
/// </summary>
public sealed class CarrierServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _process;

    private CarrierServerProcess(ChildProcess process, CarrierDataDirectory data, int smtpPort, int pop3Port, IReadOnlyDictionary<string, string> settings)
    {
        _process = process;
        Data = data;
        SmtpPort = smtpPort;
        Pop3Port = pop3Port;
        Settings = settings;
    }

    public CarrierDataDirectory Data { get; }

    public int SmtpPort { get; }

    public int Pop3Port { get; }

    /// <summary>The configuration keys given on top of carrier.json (as <c>Section:Key</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public int ProcessId => _process.Id;

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>Settings every test server gets: a quick queue poll and a short shutdown grace.</summary>
    public static Dictionary<string, string> QuickSettings() => new()
    {
        ["Queue:PollInterval"] = "00:00:00.200",
        ["Timeouts:ShutdownGrace"] = "00:00:05",
    };

    /// <summary>Starts the server and waits until it listens. A port taken between choosing and binding is retried with new ones.</summary>
    public static async Task<CarrierServerProcess> StartAsync(CarrierDataDirectory data, IReadOnlyDictionary<string, string>? settings = null)
    {
        var merged = QuickSettings();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        for (int attempt = 1; ; attempt++)
        {
            int smtpPort = FreePort();
            int pop3Port = FreePort();
            var environment = new Dictionary<string, string>(CarrierDataDirectory.CliEnvironment)
            {
                ["CARRIER_Smtp__Listen__0"] = $"127.0.0.1:{smtpPort}",
                ["CARRIER_Pop3__Listen__0"] = $"127.0.0.1:{pop3Port}",

                // The other listeners take any free loopback port, so parallel servers never collide.
                ["CARRIER_Pop3s__Listen__0"] = "127.0.0.1:0",
                ["CARRIER_Submission__Listen__0"] = "127.0.0.1:0",
                ["CARRIER_Submissions__Listen__0"] = "127.0.0.1:0",
            };
            foreach (var (key, value) in merged)
            {
                environment["CARRIER_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }

            var child = ChildProcess.Start(RepositoryPaths.CarrierExecutable, ["serve", "--data", data.Path], environment);
            var server = new CarrierServerProcess(child, data, smtpPort, pop3Port, merged);
            try
            {
                await child.WaitForLineAsync(l => l.Contains("Carrier started", StringComparison.Ordinal), StartTimeout, "the server's start");
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && child.Output.Contains("already in use", StringComparison.OrdinalIgnoreCase))
            {
                server.Dispose();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>The same data directory and settings served by a new process (after a stop or a kill).</summary>
    public Task<CarrierServerProcess> RestartAsync()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException("stop or kill the server before restarting it");
        }

        return StartAsync(Data, Settings);
    }

    /// <summary>SIGTERM, as systemd stops a service; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        await _process.SignalAsync("TERM");
        return await _process.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGKILL: a crash, a power cut as far as the process is concerned.</summary>
    public void Kill() => _process.Kill();

    public Task<string> WaitForLogAsync(Func<string, bool> match, string what, TimeSpan? timeout = null) =>
        _process.WaitForLineAsync(match, timeout ?? TimeSpan.FromSeconds(60), what);

    /// <summary>Waits for the queue's "QUEUEID: removed" line: every recipient of the message reached its end.</summary>
    public Task<string> WaitForRemovedAsync(string queueId, TimeSpan? timeout = null) =>
        WaitForLogAsync(l => l.Contains($"{queueId}: removed", StringComparison.Ordinal), $"removal of {queueId} from the queue", timeout);

    /// <summary>The log lines that mention a queue id.</summary>
    public IReadOnlyList<string> LogOf(string queueId) => [.. _process.Lines.Where(l => l.Contains(queueId, StringComparison.Ordinal))];

    public IReadOnlyList<string> LogLines => _process.Lines;

    public void Dispose() => _process.Dispose();

    /// <summary>Extracts the queue id from a "250 2.0.0 Ok: queued as ID" reply.</summary>
    public static string QueueIdFrom(string reply)
    {
        const string marker = "queued as ";
        int at = reply.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no queue id in: {reply}");
        return new string([.. reply[(at + marker.Length)..].TakeWhile(char.IsLetterOrDigit)]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"carrier serve (pid {_process.Id}, smtp {SmtpPort})");
}
