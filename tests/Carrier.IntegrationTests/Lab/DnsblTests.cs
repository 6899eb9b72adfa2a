namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// <c>Smtp:Dnsbl</c> against a real DNS server: the lab's NSD serves <c>dnsbl.test</c> (RFC 5782), which lists
/// lab address 3 and answers Spamhaus's "query refused" code for address 4; <c>broken.test</c> fails to load, so
/// NSD answers SERVFAIL for it. swaks connects from inside the lab from chosen source addresses.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class DnsblTests(RoutingLab lab) : IAsyncLifetime
{
    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_listed_client_is_refused_at_RCPT_while_clean_clients_and_failed_lookups_are_let_in()
    {
        await using var carrier = await lab.StartCarrierAsync(s =>
        {
            s["Smtp:Dnsbl:0"] = "broken.test";
            s["Smtp:Dnsbl:1"] = "dnsbl.test";
        });
        var listener = carrier.Server.SmtpEndpoints.Single(e => e.Address.Equals(lab.Network.Host));
        string server = $"{listener.Address}:{listener.Port}";
        string listed = lab.Network.Address(3).ToString();
        string refusingCode = lab.Network.Address(4).ToString();
        string clean = lab.Network.Address(6).ToString();

        Task<(int ExitCode, string Output)> SendFrom(string source, string to, params string[] more) =>
            lab.Network.RunInsideAsync(
                "swaks",
                ["--server", server, "--local-interface", source, "--from", "friend@pf.test", "--to", to, "--helo", "client.pf.test", "--header", $"Subject: from {source}", .. more],
                allowFailure: true);

        for (int attempt = 0; attempt < 2; attempt++)
        {
            var refused = await SendFrom(listed, RoutingLab.Sender);
            AssertSaid($"554 5.7.1 Service unavailable; client [{listed}] blocked using dnsbl.test", refused.Output);
            Assert.NotEqual(0, refused.ExitCode);
        }

        // The listed client can still reach the postmaster to ask why.
        var postmaster = await SendFrom(listed, "postmaster@local.test", "--quit-after", "RCPT");
        AssertSaid("250 2.1.5", postmaster.Output);

        var fromClean = await SendFrom(clean, RoutingLab.Sender);
        AssertSaid("250 2.0.0 Ok: queued", fromClean.Output);
        var fromRefusingCode = await SendFrom(refusingCode, RoutingLab.Sender);
        AssertSaid("250 2.0.0 Ok: queued", fromRefusingCode.Output);

        var messages = await carrier.WaitForMessagesAsync(RoutingLab.Sender, 2);
        Assert.Equal(2, messages.Count);

        var log = carrier.Logs.Lines;
        Assert.Contains(log, l => l.Contains($"NOQUEUE: reject: RCPT from unknown[{listed}]: 554 5.7.1 Service unavailable; client [{listed}] blocked using dnsbl.test", StringComparison.Ordinal));

        // One lookup answered both sessions of the listed client: its verdict is kept for the answer's TTL.
        Assert.Single(log, l => l.Contains($"client [{listed}] is listed by dnsbl.test (127.0.0.2)", StringComparison.Ordinal));

        // Lookups that fail let the client in, and say so.
        Assert.Contains(log, l => l.Contains($"DNSBL lookup for [{refusingCode}] failed, accepting (fail open): dnsbl.test: answer 127.255.255.254 is not a listing code", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains($"DNSBL lookup for [{clean}] failed, accepting (fail open): broken.test:", StringComparison.Ordinal));
    }

    private static void AssertSaid(string reply, string transcript) =>
        Assert.True(transcript.Contains(reply, StringComparison.Ordinal), $"expected '{reply}' in the swaks transcript:\n{transcript}");
}
