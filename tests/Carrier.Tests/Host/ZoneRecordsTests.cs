using Carrier.Cli;
using Carrier.Configuration;
using Carrier.Delivery.Dkim;
using Carrier.Testing;

namespace Carrier.Tests.Host;

public sealed class ZoneRecordsTests
{
    [Fact]
    public void The_records_of_a_domain_name_its_mx_policies_keys_and_client_services()
    {
        using var data = new TempDirectory("zone");
        var pair = DkimKeys.Generate("example.org", "carrier-rsa", DkimKeyType.Rsa);
        DkimKeys.Save(data.Path, pair);
        var settings = ConfigurationLoader.Load(data.Path, new Dictionary<string, string?> { ["Hostname"] = "mail.example.org", ["Domains:Local:0"] = "example.org", ["Pop3s:Listen:0"] = "" });

        string zone = ZoneRecords.ForDomain(settings, "example.org");

        Assert.Contains("example.org.                             IN MX    10 mail.example.org.", zone, StringComparison.Ordinal);
        Assert.Contains("IN TXT   \"v=spf1 mx -all\"", zone, StringComparison.Ordinal);
        Assert.Contains("carrier-rsa._domainkey.example.org.", zone, StringComparison.Ordinal);
        Assert.Contains("_dmarc.example.org.", zone, StringComparison.Ordinal);
        Assert.Contains("_submission._tcp.example.org.            IN SRV   0 1 587 mail.example.org.", zone, StringComparison.Ordinal);
        Assert.Contains("_pop3s._tcp.example.org.                 IN SRV   0 0 0 .", zone, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_txt_value_is_split_into_strings_of_at_most_255_characters()
    {
        string record = ZoneRecords.Txt("k._domainkey.example.org.", new string('a', 600));

        var strings = record.Split('"').Where((_, i) => i % 2 == 1).ToList();
        Assert.Equal([255, 255, 90], strings.Select(s => s.Length));
        Assert.Contains("( ", record, StringComparison.Ordinal);
    }
}
