using Carrier.Testing;

namespace Carrier.Tests.Pop3;

/// <summary>What a POP3 client keeps between polls (message UIDs) must survive a server restart.</summary>
public sealed class Pop3RestartTests
{
    [Fact]
    public async Task Uidl_and_content_are_the_same_after_a_restart()
    {
        using var data = new TempDirectory("pop3-restart");
        List<string> before;
        List<string> firstMessage;
        await using (var carrier = await TestCarrier.StartAsync(directory: data))
        {
            await carrier.AddUserAsync("alice@local.test", "secret password");
            await SmtpDelivery.SendAsync(carrier.SmtpPort, "bob@example.org", "alice@local.test", SmtpDelivery.Message("one", "first"));
            await SmtpDelivery.SendAsync(carrier.SmtpPort, "bob@example.org", "alice@local.test", SmtpDelivery.Message("two", "second"));
            await carrier.WaitForMessagesAsync("alice@local.test", 2);
            await using var wire = await Pop3Wire.LoginAsync(carrier.Pop3Port, "alice@local.test", "secret password");
            before = (await wire.MultilineAsync("UIDL")).Lines;
            firstMessage = (await wire.MultilineAsync("RETR 1")).Lines;
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }

        await using (var carrier = await TestCarrier.StartAsync(directory: data))
        {
            await using var wire = await Pop3Wire.LoginAsync(carrier.Pop3Port, "alice@local.test", "secret password");
            Assert.Equal(before, (await wire.MultilineAsync("UIDL")).Lines);
            Assert.Equal(firstMessage, (await wire.MultilineAsync("RETR 1")).Lines);
        }
    }
}
