using System.Net;
using System.Text.RegularExpressions;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// <c>carrier serve</c> killed with SIGKILL while it relays: after a restart every acknowledged message
/// arrives, and only messages that were in flight at the moment of the kill may arrive twice.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed partial class CrashTests(RoutingLab lab) : IAsyncLifetime
{
    private const int Messages = 60;
    private const int CarrierPort = 2527;
    private const int MaxConcurrentDeliveries = 10;

    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_killed_relay_loses_nothing_it_acknowledged_and_repeats_at_most_what_was_in_flight()
    {
        using var data = new TempDirectory("crash");
        var endpoint = new IPEndPoint(lab.Network.Host, CarrierPort);
        var carrier = await StartServeAsync(data.Path, endpoint);
        try
        {
            // smtp-source exits with an error unless every message got its 250: all of them are acknowledged.
            await lab.Network.RunInsideAsync("smtp-source", ["-s", "5", "-m", RoutingLab.Port(Messages), "-N", "-f", RoutingLab.Sender, "-t", "rcpt@slow.linuxaid.test", "-M", "client.lab.test", $"{endpoint.Address}:{endpoint.Port}"]);
            await lab.SlowSink.WaitForTransactionsAsync(1, TimeSpan.FromSeconds(30));
            await carrier.KillHardAsync();
        }
        finally
        {
            await carrier.DisposeAsync();
        }

        int beforeRestart = lab.SlowSink.Transactions().Count;
        Assert.True(beforeRestart < Messages, $"all {Messages} messages were delivered before the kill; the test proves nothing");

        await using var restarted = await StartServeAsync(data.Path, endpoint);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HashSet<string> unique;
        while ((unique = Recipients(lab.SlowSink.Transactions()).ToHashSet(StringComparer.Ordinal)).Count < Messages && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var all = Recipients(await lab.SlowSink.WaitForTransactionsAsync(unique.Count));
        Assert.Equal(Messages, unique.Count);
        Assert.InRange(all.Count - unique.Count, 0, MaxConcurrentDeliveries);
    }

    private async Task<LabProcess> StartServeAsync(string dataDirectory, IPEndPoint endpoint)
    {
        var serve = await LabProcess.StartAsync(
            "carrier serve",
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "carrier.dll"), "serve", "--data", dataDirectory],
            environment: new Dictionary<string, string>
            {
                ["CARRIER_Hostname"] = TestCarrier.Hostname,
                ["CARRIER_Domains__Local__0"] = TestCarrier.Domain,
                ["CARRIER_Smtp__Listen__0"] = endpoint.ToString(),

                // Only SMTP is under test: the other listeners are turned off rather than bound to wildcard ports.
                ["CARRIER_Submission__Listen__0"] = string.Empty,
                ["CARRIER_Submissions__Listen__0"] = string.Empty,
                ["CARRIER_Pop3__Listen__0"] = string.Empty,
                ["CARRIER_Pop3s__Listen__0"] = string.Empty,
                ["CARRIER_Imap__Listen__0"] = string.Empty,
                ["CARRIER_Imaps__Listen__0"] = string.Empty,
                ["CARRIER_Relay__TrustedNetworks__0"] = lab.Network.Cidr,
                ["CARRIER_Dns__Servers__0"] = lab.Network.Address(RoutingLab.DnsOffset).ToString(),
                ["CARRIER_Queue__MaxConcurrentDeliveries"] = RoutingLab.Port(MaxConcurrentDeliveries),
                ["CARRIER_Queue__PollInterval"] = "00:00:00.200",
                ["CARRIER_Delivery__OpportunisticTls"] = "false",
            });
        try
        {
            await LabPorts.WaitUntilListeningAsync(endpoint, () => serve.HasExited ? serve.Output : null, TimeSpan.FromSeconds(30));
            return serve;
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    /// <summary>The recipient of each dumped transaction (smtp-source -N makes every one different).</summary>
    private static List<string> Recipients(IEnumerable<string> transactions) =>
        [.. transactions.SelectMany(t => RcptLine().Matches(t).Select(m => m.Groups[1].Value))];

    [GeneratedRegex(@"^X-Rcpt-Args: <([^>]*)>", RegexOptions.Multiline)]
    private static partial Regex RcptLine();
}
