using System.Text;

namespace Carrier.IntegrationTests.Lab;

/// <summary>Carrier and a real Postfix hand mail to each other, through the lab's DNS and network.</summary>
[Collection(RoutingLabCollection.Name)]
public sealed class PostfixInteropTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Carrier_delivers_to_postfix_as_the_mx_of_its_domain()
    {
        await using var carrier = await lab.StartCarrierAsync();
        string subject = $"to postfix {Guid.NewGuid():N}";

        await LabMail.SubmitAsync(carrier, RoutingLab.Sender, ["bob@pf.test"], LabMail.Message(RoutingLab.Sender, "bob@pf.test", subject));

        var delivered = await lab.Postfix.WaitForDeliveredAsync(m => m.Contains(subject, StringComparison.Ordinal));
        await carrier.WaitForEmptyQueueAsync();
        Assert.Contains("Delivered-To: bob@pf.test", delivered.Single(), StringComparison.Ordinal);
        Assert.Contains("Return-Path: <alice@local.test>", delivered.Single(), StringComparison.Ordinal);
        Assert.Contains("by postfix.pf.test (Postfix)", delivered.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfix_delivers_to_carrier_for_carriers_domain()
    {
        await using var carrier = await lab.StartCarrierAsync(s => s["Smtp:Listen:1"] = $"{lab.Network.Host}:{RoutingLab.CarrierLabPort}");
        await carrier.AddUserAsync("bob@local.test");
        string subject = $"from postfix {Guid.NewGuid():N}";

        var sent = await lab.Network.RunInsideAsync("swaks", ["--server", $"{lab.Network.Address(RoutingLab.PostfixOffset)}:25", "--from", "someone@pf.test", "--to", "bob@local.test", "--header", $"Subject: {subject}", "--helo", "client.pf.test"]);
        Assert.Contains("250 2.0.0 Ok: queued", sent.Output, StringComparison.Ordinal);

        var messages = await carrier.WaitForMessagesAsync("bob@local.test", 1, TimeSpan.FromSeconds(30));
        string stored = Encoding.UTF8.GetString(await carrier.ReadMessageAsync("bob@local.test", messages.Single().Uid));
        Assert.Contains(subject, stored, StringComparison.Ordinal);
        Assert.Contains("from postfix.pf.test", stored, StringComparison.Ordinal);
        Assert.Contains("Return-Path: <someone@pf.test>", stored, StringComparison.Ordinal);
    }
}
