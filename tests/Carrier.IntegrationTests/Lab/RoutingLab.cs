using System.Globalization;
using System.Net;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// The routing lab (ARCHITECTURE.md §9): a network namespace with NSD serving the zones of <c>Lab/Zones</c>
/// and the mail hosts those zones name, played by real peers — aiosmtpd scripts, Postfix's smtp-sink and a
/// private Postfix. Carrier runs in the test process, on the host side of the veth pair, with the lab's DNS.
/// Built once for the collection and torn down after it, failures included.
/// </summary>
public sealed class RoutingLab : IAsyncLifetime
{
    // Addresses by offset in the lab's block; the zone files use the same numbers ({{N}}).
    public const int DnsOffset = 2;
    public const int PostfixOffset = 7;

    /// <summary>The address mail clients of the lab send from (the zones' {{14}}).</summary>
    public const int ClientOffset = 14;

    /// <summary>The port Carrier listens on, on the lab's host address, when Postfix must reach it.</summary>
    public const int CarrierLabPort = 2525;

    /// <summary>The port of the host behind the transport override: not 25, so only the override finds it.</summary>
    public const int OverridePort = 2526;

    public const string Mx = "mx.linuxaid.test";
    public const string Mx1 = "mx1.linuxaid.test";
    public const string Www = "www.linuxaid.test";
    public const string ShareA = "a.share.test";
    public const string ShareB = "b.share.test";
    public const string BackupPrimary = "mail.backup.test";
    public const string OverrideHost = "override.lab.test";

    private static readonly (string Host, int Offset, int Port)[] ScriptedHosts =
    [
        (Mx, 3, 25), (Mx1, 4, 25), (Www, 6, 25), (ShareA, 8, 25), (ShareB, 9, 25), (BackupPrimary, 11, 25), (OverrideHost, 12, OverridePort),
    ];

    private readonly List<IAsyncDisposable> _parts = [];
    private TempDirectory? _directory;

    public LabNetwork Network { get; private set; } = null!;

    public LabDns Dns { get; private set; } = null!;

    public ScriptedPeers Peers { get; private set; } = null!;

    /// <summary>sales-mail.linuxaid.test: smtp-sink.</summary>
    public SmtpSinkPeer SalesSink { get; private set; } = null!;

    /// <summary>old-mail.linuxaid.test: smtp-sink without 8BITMIME.</summary>
    public SmtpSinkPeer SevenBitSink { get; private set; } = null!;

    public PostfixPeer Postfix { get; private set; } = null!;

    /// <summary>slow-mail.linuxaid.test: smtp-sink that takes a second over each message.</summary>
    public SmtpSinkPeer SlowSink { get; private set; } = null!;

    public IPEndPoint OverrideEndpoint => new(Network.Address(12), OverridePort);

    public async Task InitializeAsync()
    {
        try
        {
            _directory = new TempDirectory("lab");
            // smtp-sink and Postfix drop root for the postfix user, which must reach their directories whatever the umask.
            await LabProcess.RunAsync("chmod", ["755", _directory.Path, Path.GetDirectoryName(_directory.Path)!]);
            Network = await LabNetwork.CreateAsync(namespaceAddresses: 13);
            _parts.Add(Network);
            string dnsDirectory = _directory.Combine("dns");
            System.IO.Directory.CreateDirectory(dnsDirectory);
            Dns = await Add(LabDns.StartAsync(Network, Network.Address(DnsOffset), dnsDirectory));
            Peers = await Add(ScriptedPeers.StartAsync(
                Network,
                new IPEndPoint(Network.Address(DnsOffset), 8025),
                ScriptedHosts.ToDictionary(h => h.Host, h => new IPEndPoint(Network.Address(h.Offset), h.Port))));
            SalesSink = await Add(SmtpSinkPeer.StartAsync(Network, "sales-mail.linuxaid.test", new IPEndPoint(Network.Address(5), 25), _directory.Combine("sales-sink")));
            SevenBitSink = await Add(SmtpSinkPeer.StartAsync(Network, "old-mail.linuxaid.test", new IPEndPoint(Network.Address(10), 25), _directory.Combine("old-sink"), "-8"));
            SlowSink = await Add(SmtpSinkPeer.StartAsync(Network, "slow-mail.linuxaid.test", new IPEndPoint(Network.Address(13), 25), _directory.Combine("slow-sink"), "-w", "1"));
            Postfix = await Add(PostfixPeer.StartAsync(
                Network,
                "postfix.pf.test",
                "pf.test",
                Network.Address(PostfixOffset),
                TestCarrier.Domain,
                $"[{Network.Host}]:{CarrierLabPort}",
                _directory.Combine("postfix")));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task<T> Add<T>(Task<T> starting)
        where T : IAsyncDisposable
    {
        var part = await starting;
        _parts.Add(part);
        return part;
    }

    /// <summary>Every scripted host accepting and empty, the sinks empty: the state each scenario starts from.</summary>
    public async Task ResetAsync()
    {
        await Peers.ResetAsync();
        SalesSink.Clear();
        SevenBitSink.Clear();
        SlowSink.Clear();
    }

    /// <summary>
    /// A Carrier for one scenario: its own data directory, the lab's DNS, short delivery timeouts, the sender
    /// alice@local.test with a mailbox for bounces, and a listener on the lab's host address as well as loopback.
    /// </summary>
    /// <param name="directory">A data directory prepared beforehand (with DKIM keys, say); a new one when null.</param>
    public async Task<TestCarrier> StartCarrierAsync(Action<Dictionary<string, string?>>? configure = null, TempDirectory? directory = null)
    {
        var carrier = await TestCarrier.StartAsync(settings =>
        {
            settings["Dns:Servers:0"] = Network.Address(DnsOffset).ToString();
            settings["Dns:Timeout"] = "00:00:02";
            settings["Dns:Retries"] = "1";
            settings["Smtp:Listen:1"] = $"{Network.Host}:0";
            settings["Delivery:ConnectTimeout"] = "00:00:02";
            settings["Delivery:GreetingTimeout"] = "00:00:02";
            settings["Delivery:CommandTimeout"] = "00:00:05";
            settings["Delivery:DataTimeout"] = "00:00:10";
            settings["Delivery:OpportunisticTls"] = "false";
            settings["Authentication:Enabled"] = "true";
            settings["Queue:MinBackoff"] = "01:00:00";
            settings["Queue:MaxBackoff"] = "02:00:00";
            configure?.Invoke(settings);
        }, directory);
        await carrier.AddUserAsync(Sender);
        return carrier;
    }

    public const string Sender = "alice@local.test";

    public static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    public async Task DisposeAsync()
    {
        for (int i = _parts.Count - 1; i >= 0; i--)
        {
            try
            {
                await _parts[i].DisposeAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException)
            {
                // Tear down the rest regardless.
            }
        }

        _parts.Clear();
        _directory?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RoutingLabCollection : ICollectionFixture<RoutingLab>
{
    public const string Name = "routing lab";
}
