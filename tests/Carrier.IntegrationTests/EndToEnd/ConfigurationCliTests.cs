using Carrier.IntegrationTests.Infrastructure;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary><c>carrier init</c> and <c>carrier check</c>: the configuration an administrator starts from, and what a mistake in it looks like.</summary>
public sealed class ConfigurationCliTests
{
    private const int ExConfig = 78;

    [Fact]
    public async Task Init_writes_a_commented_carrier_json_that_check_accepts_and_will_not_overwrite_it()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        string json = await File.ReadAllTextAsync(Path.Combine(data.Path, "carrier.json"));
        Assert.Contains("//", json, StringComparison.Ordinal);
        Assert.Contains($"\"Hostname\": \"{CarrierDataDirectory.Hostname}\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"Local\": [\"{CarrierDataDirectory.Domain}\"]", json, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data.Path, "carrier.db")));

        var check = (await data.RunAsync("check")).ExpectSuccess();
        Assert.Contains($"Hostname:       {CarrierDataDirectory.Hostname}", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Configuration OK", check.StandardOutput, StringComparison.Ordinal);

        var again = await data.RunAsync("init", "--hostname", "other.example.org");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("exists already", again.Output, StringComparison.Ordinal);
        Assert.Contains(CarrierDataDirectory.Hostname, await File.ReadAllTextAsync(Path.Combine(data.Path, "carrier.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"RecipientsPerMessage\": 1000", "\"RecipientsPerMessage\": 0", "Limits:RecipientsPerMessage")]
    [InlineData("\"Idle\": \"00:05:00\"", "\"Idle\": \"soon\"", "Timeouts:Idle")]
    [InlineData("\"Hostname\": \"mail.local.test\"", "\"Hostname\": \"not a host name\"", "Hostname")]
    public async Task Check_and_serve_name_the_key_of_a_wrong_value_in_carrier_json(string original, string wrong, string key)
    {
        using var data = await CarrierDataDirectory.InitAsync();
        string file = Path.Combine(data.Path, "carrier.json");
        string json = await File.ReadAllTextAsync(file);
        Assert.Contains(original, json, StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, json.Replace(original, wrong, StringComparison.Ordinal));

        var check = (await data.RunAsync("check")).Expect(ExConfig);
        Assert.Contains($"{key}:", check.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Configuration OK", check.Output, StringComparison.Ordinal);

        var serve = await data.RunAsync("serve");
        Assert.Equal(ExConfig, serve.ExitCode);
        Assert.Contains(key, serve.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_names_the_key_of_a_wrong_environment_override()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        var check = await data.RunAsync(["check"], input: null, new Dictionary<string, string> { ["CARRIER_Limits__ConnectionsPerIp"] = "many" });
        check.Expect(ExConfig);
        Assert.Contains("Limits:ConnectionsPerIp", check.Output, StringComparison.Ordinal);
    }
}
