namespace Carrier.IntegrationTests.Lab;

/// <summary><c>carrier dns mx</c> run as a program against the lab's DNS: what an administrator would read.</summary>
[Collection(RoutingLabCollection.Name)]
public sealed class DnsCommandTests(RoutingLab lab)
{
    [Fact]
    public async Task Dns_mx_shows_the_records_their_addresses_and_the_order_carrier_will_try()
    {
        string output = await RunAsync("linuxaid.test");

        Assert.Contains("linuxaid.test\tpreference = 10, mail exchanger = mx.linuxaid.test", output, StringComparison.Ordinal);
        Assert.Contains("linuxaid.test\tpreference = 20, mail exchanger = mx1.linuxaid.test", output, StringComparison.Ordinal);
        Assert.Contains($"mx.linuxaid.test\tinternet address = {lab.Network.Address(3)}", output, StringComparison.Ordinal);
        Assert.Contains($"mx1.linuxaid.test\tinternet address = {lab.Network.Address(4)}", output, StringComparison.Ordinal);
        int first = output.IndexOf("  1. mx.linuxaid.test (preference 10)", StringComparison.Ordinal);
        int second = output.IndexOf("  2. mx1.linuxaid.test (preference 20)", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, output);
    }

    [Theory]
    [InlineData("void.linuxaid.test", "null MX", "5.1.10")]
    [InlineData("nosuch.linuxaid.test", "NXDOMAIN", "5.1.2")]
    [InlineData("broken.test", "lookup failed", "keep mail for broken.test in the queue")]
    [InlineData("www.linuxaid.test", "implicit MX", "www.linuxaid.test (preference 0)")]
    public async Task Dns_mx_says_what_would_happen_to_mail(string domain, string answer, string decision)
    {
        string output = await RunAsync(domain);

        Assert.Contains(answer, output, StringComparison.Ordinal);
        Assert.Contains(decision, output, StringComparison.Ordinal);
    }

    private async Task<string> RunAsync(string domain)
    {
        using var data = new Carrier.Testing.TempDirectory("dns-cli");
        var (exitCode, output) = await LabProcess.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "carrier.dll"), "dns", "mx", domain, "--data", data.Path],
            allowFailure: true,
            environment: new Dictionary<string, string>
            {
                ["CARRIER_Dns__Servers__0"] = lab.Network.Address(RoutingLab.DnsOffset).ToString(),
                ["CARRIER_Hostname"] = "mail.local.test",
            });
        Assert.True(exitCode == 0, output);
        return output;
    }
}
