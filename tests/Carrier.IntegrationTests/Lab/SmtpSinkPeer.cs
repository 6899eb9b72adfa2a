using System.Net;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// Postfix's <c>smtp-sink</c> as a mail host inside the namespace: it accepts everything and dumps each
/// transaction (envelope lines <c>X-Mail-Args:</c>, <c>X-Rcpt-Args:</c>, then the message) to a file of its own.
/// </summary>
public sealed class SmtpSinkPeer : IAsyncDisposable
{
    private readonly LabProcess _process;

    private SmtpSinkPeer(LabProcess process, string dumpDirectory)
    {
        _process = process;
        DumpDirectory = dumpDirectory;
    }

    public string DumpDirectory { get; }

    /// <param name="extraOptions">smtp-sink options, such as <c>-8</c> (no 8BITMIME).</param>
    public static async Task<SmtpSinkPeer> StartAsync(LabNetwork network, string hostname, IPEndPoint endpoint, string dumpDirectory, params string[] extraOptions)
    {
        System.IO.Directory.CreateDirectory(dumpDirectory);
        // smtp-sink drops root for the postfix user after binding; that user writes the dumps.
        await LabProcess.RunAsync("chown", ["postfix", dumpDirectory]);
        var process = await LabProcess.StartAsync(
            $"smtp-sink {hostname}",
            "ip",
            network.Inside("smtp-sink", ["-u", "postfix", "-h", hostname, "-d", Path.Combine(dumpDirectory, "msg."), .. extraOptions, $"{endpoint.Address}:{endpoint.Port}", "64"]));
        var sink = new SmtpSinkPeer(process, dumpDirectory);
        await LabPorts.WaitUntilListeningAsync(endpoint, () => process.HasExited ? process.Output : null);
        return sink;
    }

    /// <summary>Every transaction received so far, as dumped.</summary>
    public IReadOnlyList<string> Transactions() =>
        [.. System.IO.Directory.GetFiles(DumpDirectory, "msg.*").Order(StringComparer.Ordinal).Select(File.ReadAllText)];

    public void Clear()
    {
        foreach (string file in System.IO.Directory.GetFiles(DumpDirectory, "msg.*"))
        {
            File.Delete(file);
        }
    }

    public async Task<IReadOnlyList<string>> WaitForTransactionsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        IReadOnlyList<string> previous = [];
        while (true)
        {
            // smtp-sink writes a dump while the data arrives: a transaction is read once it has stopped growing.
            var transactions = Transactions();
            if (transactions.Count >= count && transactions.SequenceEqual(previous))
            {
                return transactions;
            }

            previous = transactions;

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp-sink received {transactions.Count} of {count} transactions: {_process.Output}");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
