using Carrier.IntegrationTests.Infrastructure;
using Carrier.Testing;

namespace Carrier.IntegrationTests.EndToEnd;

/// <summary>Limits:ConnectionsPerIp, Limits:Connections and Timeouts:Idle, from the client's side of the socket.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Connections_past_the_per_address_and_total_limits_get_421_and_a_freed_slot_is_reused()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        using var server = await CarrierServerProcess.StartAsync(data, new Dictionary<string, string>
        {
            ["Limits:ConnectionsPerIp"] = "2",
            ["Limits:Connections"] = "3",
        });

        // Linux routes all of 127.0.0.0/8 to loopback, so each source address is a different client.
        var first = await ConnectGreetedAsync(server.SmtpPort, "127.0.0.1");
        await using var second = await ConnectGreetedAsync(server.SmtpPort, "127.0.0.1");
        await using (var thirdFromSameAddress = await SmtpWire.ConnectAsync(server.SmtpPort, readGreeting: false, source: "127.0.0.1"))
        {
            string refusal = await thirdFromSameAddress.ReadReplyAsync();
            Assert.StartsWith("421 4.7.0", refusal, StringComparison.Ordinal);
            Assert.True(await thirdFromSameAddress.IsClosedAsync(TimeSpan.FromSeconds(30)));
        }

        await using var otherClient = await ConnectGreetedAsync(server.SmtpPort, "127.0.0.2");
        await using (var pastTotal = await SmtpWire.ConnectAsync(server.SmtpPort, readGreeting: false, source: "127.0.0.3"))
        {
            Assert.StartsWith("421 4.7.0", await pastTotal.ReadReplyAsync(), StringComparison.Ordinal);
            Assert.True(await pastTotal.IsClosedAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.StartsWith("221", await first.CommandAsync("QUIT"), StringComparison.Ordinal);
        Assert.True(await first.IsClosedAsync(TimeSpan.FromSeconds(30)));
        await first.DisposeAsync();

        // The server frees the slot when it sees the close; until then a new client may still be refused.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using var again = await SmtpWire.ConnectAsync(server.SmtpPort, readGreeting: false, source: "127.0.0.1");
            string greeting = await again.ReadReplyAsync();
            if (greeting.StartsWith("220 ", StringComparison.Ordinal))
            {
                Assert.StartsWith("250", await again.CommandAsync("NOOP"), StringComparison.Ordinal);
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the freed slot was never given out again; last greeting {greeting}");
            await Task.Delay(100);
        }

        Assert.StartsWith("250", await second.CommandAsync("NOOP"), StringComparison.Ordinal);
        Assert.StartsWith("250", await otherClient.CommandAsync("NOOP"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_client_is_closed_with_421_after_the_idle_timeout()
    {
        using var data = await CarrierDataDirectory.InitAsync();
        using var server = await CarrierServerProcess.StartAsync(data, new Dictionary<string, string> { ["Timeouts:Idle"] = "00:00:02" });
        await using var silent = await ConnectGreetedAsync(server.SmtpPort, "127.0.0.1");
        Assert.StartsWith("250", await silent.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);

        string timeout = await silent.ReadReplyAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("421 4.4.2", timeout, StringComparison.Ordinal);
        Assert.True(await silent.IsClosedAsync(TimeSpan.FromSeconds(30)));
        await server.WaitForLogAsync(l => l.Contains("timeout after", StringComparison.Ordinal), "the timeout log line");
    }

    private static async Task<SmtpWire> ConnectGreetedAsync(int port, string source)
    {
        var connection = await SmtpWire.ConnectAsync(port, readGreeting: false, source: source);
        string greeting = await connection.ReadReplyAsync();
        Assert.StartsWith("220 ", greeting, StringComparison.Ordinal);
        return connection;
    }
}
