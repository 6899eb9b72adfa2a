using System.Net;
using System.Text.RegularExpressions;
using Carrier.Routing.Dns;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// NSD, the authoritative server from Debian, inside the lab namespace: it serves the zone files of
/// <c>Lab/Zones</c> with the lab's addresses filled in. Its configuration, pid file and zones live in a
/// temporary directory; nothing of the system's NSD is used.
/// </summary>
public sealed partial class LabDns : IAsyncDisposable
{
    private readonly LabProcess _nsd;

    private readonly string _directory;

    private LabDns(LabProcess nsd, IPAddress address, IReadOnlyList<string> zones, string directory)
    {
        _nsd = nsd;
        Address = address;
        Zones = zones;
        _directory = directory;
    }

    public IPAddress Address { get; }

    public IReadOnlyList<string> Zones { get; }

    public static async Task<LabDns> StartAsync(LabNetwork network, IPAddress address, string directory)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Lab", "Zones");
        var zones = new List<string>();
        foreach (string file in System.IO.Directory.GetFiles(source, "*.zone").Order(StringComparer.Ordinal))
        {
            string zone = Path.GetFileNameWithoutExtension(file);
            string text = Placeholder().Replace(await File.ReadAllTextAsync(file), m =>
            {
                string address = network.Address(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToString();
                return m.Groups[1].Success ? string.Join('.', address.Split('.').Reverse()) : address;
            });
            await File.WriteAllTextAsync(Path.Combine(directory, zone + ".zone"), text);
            zones.Add(zone);
        }

        string config = $"""
            server:
              ip-address: {address}
              port: 53
              username: ""
              chroot: ""
              zonesdir: "{directory}"
              pidfile: "{directory}/nsd.pid"
              database: ""
              xfrdfile: "{directory}/xfrd.state"
              zonelistfile: "{directory}/zone.list"
              verbosity: 1
              hide-version: yes
            remote-control:
              control-enable: no

            """ + string.Concat(zones.Select(z => $"zone:\n  name: {z}\n  zonefile: {z}.zone\n"));
        string configFile = Path.Combine(directory, "nsd.conf");
        await File.WriteAllTextAsync(configFile, config);

        var nsd = await LabProcess.StartAsync("nsd", "ip", network.Inside("nsd", "-d", "-c", configFile));
        var dns = new LabDns(nsd, address, zones, directory);
        try
        {
            await dns.WaitUntilAnsweringAsync();
            return dns;
        }
        catch
        {
            await dns.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var resolver = new DnsClientResolver(new DnsOptions { Servers = [new IPEndPoint(Address, 53)], Timeout = TimeSpan.FromMilliseconds(300), Retries = 0, UseCache = false });
        for (int attempt = 0; attempt < 50; attempt++)
        {
            if (_nsd.HasExited)
            {
                break;
            }

            var answer = await resolver.ResolveMxAsync("linuxaid.test", CancellationToken.None);
            if (answer.Status == DnsStatus.Ok)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"NSD does not answer on {Address}: {_nsd.Output}");
    }

    /// <summary>
    /// Adds records (zone-file lines) to a zone that NSD serves and waits until it answers with them: NSD
    /// reads a changed zone file again on SIGHUP. <paramref name="probe"/> is a TXT name among the new records.
    /// </summary>
    public async Task PublishAsync(string zone, string records, string probe)
    {
        string file = Path.Combine(_directory, zone + ".zone");
        await File.AppendAllTextAsync(file, "\n" + records + "\n");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(1));
        var resolver = new DnsClientResolver(new DnsOptions { Servers = [new IPEndPoint(Address, 53)], Timeout = TimeSpan.FromMilliseconds(300), Retries = 0, UseCache = false });
        for (int attempt = 0; attempt < 50; attempt++)
        {
            await LabProcess.RunAsync("kill", ["-HUP", _nsd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await Task.Delay(100);
            if ((await resolver.ResolveTxtAsync(probe, CancellationToken.None)).Status == DnsStatus.Ok)
            {
                return;
            }
        }

        throw new InvalidOperationException($"NSD did not publish {probe} after reloading {zone}: {_nsd.Output}");
    }

    // {{N}}: lab address N; {{rev:N}}: the same with its octets reversed, as a DNS blocklist names it.
    [GeneratedRegex(@"\{\{(rev:)?(\d+)\}\}")]
    private static partial Regex Placeholder();

    public ValueTask DisposeAsync() => _nsd.DisposeAsync();
}
