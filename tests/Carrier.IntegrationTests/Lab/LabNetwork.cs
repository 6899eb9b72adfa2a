using System.Globalization;
using System.Net;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// A network namespace joined to this one by a veth pair, inside 198.18.0.0/24 (RFC 2544 benchmarking space,
/// never routed). Each lab takes a free /28 of it: the host side is the block's first address, the namespace
/// holds the next thirteen. Names carry the process id, so that parallel runs never share a namespace.
/// </summary>
public sealed class LabNetwork : IAsyncDisposable
{
    private const int BlockSize = 16;

    private LabNetwork(string name, string hostLink, int block)
    {
        Name = name;
        HostLink = hostLink;
        Block = block;
    }

    /// <summary>The namespace's name, for <c>ip netns exec</c>.</summary>
    public string Name { get; }

    public string HostLink { get; }

    /// <summary>The first address of this lab's /28 (its last octet).</summary>
    public int Block { get; }

    /// <summary>The host side of the veth pair: Carrier's address as the lab sees it.</summary>
    public IPAddress Host => Address(1);

    public string Cidr => $"198.18.0.{Block}/28";

    /// <summary>The address at <paramref name="offset"/> in this lab's block (1 is the host, 2 to 14 the namespace).</summary>
    public IPAddress Address(int offset) => IPAddress.Parse($"198.18.0.{Block + offset}");

    /// <summary>Creates the namespace and the link; fails with what to do when root or ip netns is missing.</summary>
    public static async Task<LabNetwork> CreateAsync(int namespaceAddresses)
    {
        if (!IsRoot())
        {
            throw new InvalidOperationException("the routing lab needs root (it creates a network namespace); run the tests as root, as CI does");
        }

        var probe = await LabProcess.RunAsync("ip", ["netns", "list"], allowFailure: true);
        if (probe.ExitCode != 0)
        {
            throw new InvalidOperationException($"the routing lab needs 'ip netns' (iproute2) and a kernel with network namespaces: {probe.Output}");
        }

        int pid = Environment.ProcessId;
        string name = $"carrier-lab-{pid}";
        string hostLink = $"clh{pid}";
        string innerLink = $"cln{pid}";
        // A namespace of this name can only be left over from a crashed run whose process had this id.
        await LabProcess.RunAsync("ip", ["netns", "del", name], allowFailure: true);
        await LabProcess.RunAsync("ip", ["link", "del", hostLink], allowFailure: true);
        int block = await FreeBlockAsync(pid);
        var network = new LabNetwork(name, hostLink, block);
        try
        {
            await Ip("netns", "add", name);
            await Ip("link", "add", hostLink, "type", "veth", "peer", "name", innerLink);
            await Ip("link", "set", innerLink, "netns", name);
            await Ip("addr", "add", $"{network.Host}/28", "dev", hostLink);
            await Ip("link", "set", hostLink, "up");
            await Ip("-n", name, "link", "set", "lo", "up");
            for (int offset = 2; offset < 2 + namespaceAddresses; offset++)
            {
                await Ip("-n", name, "addr", "add", $"{network.Address(offset)}/28", "dev", innerLink);
            }

            await Ip("-n", name, "link", "set", innerLink, "up");
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>The argument list that runs <paramref name="program"/> inside the namespace.</summary>
    public IEnumerable<string> Inside(string program, params string[] arguments) => ["netns", "exec", Name, program, .. arguments];

    /// <summary>Runs a command inside the namespace to its end.</summary>
    public Task<(int ExitCode, string Output)> RunInsideAsync(string program, IEnumerable<string> arguments, bool allowFailure = false, string? input = null) =>
        LabProcess.RunAsync("ip", Inside(program, [.. arguments]), allowFailure, input);

    private static bool IsRoot()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A /28 of 198.18.0.0/24 that no interface of this host uses yet, starting from one the process id picks.</summary>
    private static async Task<int> FreeBlockAsync(int pid)
    {
        var (_, addresses) = await LabProcess.RunAsync("ip", ["-o", "-4", "addr", "show"]);
        for (int i = 0; i < 256 / BlockSize; i++)
        {
            int block = (pid + i) % (256 / BlockSize) * BlockSize;
            if (!addresses.Contains($"198.18.0.{block + 1}/", StringComparison.Ordinal))
            {
                return block;
            }
        }

        throw new InvalidOperationException("every /28 of 198.18.0.0/24 is in use by other labs on this host");
    }

    private static Task<(int ExitCode, string Output)> Ip(params string[] arguments) => LabProcess.RunAsync("ip", arguments);

    public async ValueTask DisposeAsync()
    {
        // Deleting the namespace destroys the veth pair with it; the host side goes too.
        await LabProcess.RunAsync("ip", ["link", "del", HostLink], allowFailure: true);
        await LabProcess.RunAsync("ip", ["netns", "del", Name], allowFailure: true);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Cidr})");
}
