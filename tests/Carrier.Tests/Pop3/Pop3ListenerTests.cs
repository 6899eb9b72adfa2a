using Carrier.Testing;

namespace Carrier.Tests.Pop3;

/// <summary>The <c>Pop3:Listen</c> setting as the README documents it.</summary>
public sealed class Pop3ListenerTests
{
    [Fact]
    public async Task An_empty_listen_entry_turns_pop3_off_and_smtp_still_runs()
    {
        await using var carrier = await TestCarrier.StartAsync(s => s["Pop3:Listen:0"] = string.Empty);
        Assert.Empty(carrier.Server.Pop3Endpoints);
        await using var smtp = await SmtpWire.ConnectAsync(carrier.SmtpPort);
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO client.example"));
    }

    [Fact]
    public async Task Several_listen_entries_each_get_a_listener()
    {
        await using var carrier = await TestCarrier.StartAsync(s => s["Pop3:Listen:1"] = "127.0.0.1:0");
        Assert.Equal(2, carrier.Server.Pop3Endpoints.Count);
        foreach (var endpoint in carrier.Server.Pop3Endpoints)
        {
            await using var wire = await Pop3Wire.ConnectAsync(endpoint.Port);
            Assert.Equal("+OK mail.local.test Carrier POP3 ready", wire.Greeting);
        }
    }
}
