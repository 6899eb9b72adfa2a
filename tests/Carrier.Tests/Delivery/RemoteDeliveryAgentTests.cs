using System.Net;
using System.Net.Sockets;
using System.Text;
using Carrier.Delivery.Remote;
using Carrier.Queue;
using Carrier.Routing.Dns;
using Carrier.Routing.Planning;
using Carrier.Smtp.Client;
using Carrier.Store.Queue;
using Carrier.Tests.Smtp.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Tests.Delivery;

/// <summary>
/// Remote delivery against scripted servers on distinct loopback addresses, with DNS answers given by the
/// test: next MX on refusal, 421, silence or 4xx; per-recipient bounces; session reuse; dead-host memory.
/// </summary>
public sealed class RemoteDeliveryAgentTests : IAsyncLifetime
{
    private const string Domain = "dest.test";
    private readonly List<ScriptedSmtpServer> _servers = [];
    private int _port;

    public Task InitializeAsync()
    {
        // Every "host" listens on the same port of its own loopback address, as MX hosts all listen on 25.
        using var probe = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
        probe.Start();
        _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    private ScriptedSmtpServer Host(string address)
    {
        var server = new ScriptedSmtpServer(IPAddress.Parse(address), _port);
        _servers.Add(server);
        return server;
    }

    private RemoteDeliveryAgent Agent(StaticDns dns, TimeSpan? deadHostTime = null) =>
        new(
            new MxRouter(dns, new SelfIdentity(new HashSet<string> { "carrier.example" }, new HashSet<IPAddress>()), new TransportTable(new Dictionary<string, NextHop> { [Domain] = new(Domain, _port, LookUpMx: true) }, null)),
            new RemoteDeliveryOptions
            {
                Client = new SmtpClientOptions { HeloName = "carrier.example", ConnectTimeout = TimeSpan.FromSeconds(2), GreetingTimeout = TimeSpan.FromSeconds(1), CommandTimeout = TimeSpan.FromSeconds(5) },
                DeadHostTime = deadHostTime ?? TimeSpan.FromMinutes(1),
            },
            TimeProvider.System,
            NullLogger.Instance);

    private static StaticDns TwoMx() => new StaticDns()
        .WithMx(Domain, (10, "mx1.dest.test"), (20, "mx2.dest.test"))
        .WithAddress("mx1.dest.test", "127.0.0.2")
        .WithAddress("mx2.dest.test", "127.0.0.3");

    private static DeliveryRequest Request(string content, bool smtpUtf8 = false, params string[] recipients)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        var message = new QueuedMessage
        {
            Id = "TESTQUEUEID00001",
            Sender = "sender@example.org",
            ArrivedAt = DateTimeOffset.UtcNow,
            Size = bytes.Length,
            BlobId = "blob",
            Origin = "smtp",
            BodyType = Ascii(bytes) ? "7BIT" : "8BITMIME",
            SmtpUtf8 = smtpUtf8,
        };
        var list = recipients.Select((r, i) => new QueuedRecipient { Index = i, Address = r, NextAttemptAt = DateTimeOffset.UtcNow }).ToList();
        return new DeliveryRequest(message, list, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
    }

    private static bool Ascii(byte[] bytes) => System.Text.Ascii.IsValid(bytes);

    private static async Task<Dictionary<int, DeliveryOutcome>> DeliverAsync(RemoteDeliveryAgent agent, DeliveryRequest request)
    {
        var outcomes = await agent.DeliverAsync(request, request.Recipients, CancellationToken.None);
        return outcomes.ToDictionary(o => o.Index, o => o.Outcome);
    }

    [Fact]
    public async Task The_best_mx_gets_the_mail()
    {
        var mx1 = Host("127.0.0.2");
        var mx2 = Host("127.0.0.3");
        await using var agent = Agent(TwoMx());

        var outcome = (await DeliverAsync(agent, Request("Subject: a\r\n\r\nhi\r\n", false, "u@dest.test")))[0];

        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        Assert.Equal($"mx1.dest.test[127.0.0.2]:{_port}", outcome.Relay);
        Assert.Single(mx1.Messages);
        Assert.Empty(mx2.Messages);
    }

    [Theory]
    [InlineData("refused")]
    [InlineData("421")]
    [InlineData("silent")]
    [InlineData("rcpt-451")]
    public async Task A_failing_best_mx_hands_over_to_the_next(string failure)
    {
        if (failure != "refused")
        {
            var mx1 = Host("127.0.0.2");
            mx1.Silent = failure == "silent";
            mx1.Greeting = failure == "421" ? "421 4.3.2 try later" : mx1.Greeting;
            mx1.RcptReply = failure == "rcpt-451" ? _ => "451 4.3.0 greylisted" : mx1.RcptReply;
        }

        var mx2 = Host("127.0.0.3");
        await using var agent = Agent(TwoMx());

        var outcome = (await DeliverAsync(agent, Request("Subject: a\r\n\r\nhi\r\n", false, "u@dest.test")))[0];

        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        Assert.Equal($"mx2.dest.test[127.0.0.3]:{_port}", outcome.Relay);
        Assert.Single(mx2.Messages);
    }

    [Fact]
    public async Task When_every_mx_fails_the_recipient_is_deferred_with_the_last_error()
    {
        Host("127.0.0.2").Greeting = "421 4.3.2 busy";
        await using var agent = Agent(TwoMx());

        var outcome = (await DeliverAsync(agent, Request("x\r\n", false, "u@dest.test")))[0];

        Assert.Equal(OutcomeKind.TemporaryFailure, outcome.Kind);
        Assert.Contains("127.0.0.3", outcome.Reply);
        Assert.Contains("Connection refused", outcome.Reply);
    }

    [Fact]
    public async Task A_5xx_to_one_recipient_bounces_only_that_recipient()
    {
        var mx1 = Host("127.0.0.2");
        mx1.RcptReply = line => line.Contains("gone@", StringComparison.Ordinal) ? "550 5.1.1 <gone@dest.test>: user unknown" : "250 2.1.5 Ok";
        await using var agent = Agent(TwoMx());

        var outcomes = await DeliverAsync(agent, Request("x\r\n", false, "here@dest.test", "gone@dest.test"));

        Assert.Equal(OutcomeKind.Delivered, outcomes[0].Kind);
        Assert.Equal(OutcomeKind.PermanentFailure, outcomes[1].Kind);
        Assert.Equal("5.1.1", outcomes[1].Status);
        Assert.Equal("550 5.1.1 <gone@dest.test>: user unknown", outcomes[1].Diagnostic);
        Assert.Equal("mx1.dest.test", outcomes[1].RemoteMta);
        Assert.Contains("(in reply to RCPT TO command)", outcomes[1].Reply);
    }

    [Fact]
    public async Task A_5xx_to_the_data_bounces_every_accepted_recipient()
    {
        Host("127.0.0.2").FinalReply = "554 5.6.0 content rejected";
        await using var agent = Agent(TwoMx());

        var outcomes = await DeliverAsync(agent, Request("x\r\n", false, "a@dest.test", "b@dest.test"));

        Assert.All(outcomes.Values, o => Assert.Equal(OutcomeKind.PermanentFailure, o.Kind));
        Assert.All(outcomes.Values, o => Assert.Equal("5.6.0", o.Status));
    }

    [Fact]
    public async Task Messages_in_a_row_reuse_one_session()
    {
        var mx1 = Host("127.0.0.2");
        await using var agent = Agent(TwoMx());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(OutcomeKind.Delivered, (await DeliverAsync(agent, Request($"m{i}\r\n", false, "u@dest.test")))[0].Kind);
        }

        Assert.Equal(3, mx1.Messages.Count);
        Assert.Equal(1, mx1.Connections);
    }

    [Fact]
    public async Task A_host_that_just_failed_is_tried_last_by_the_next_message()
    {
        var mx1 = Host("127.0.0.2");
        mx1.Silent = true;
        var mx2 = Host("127.0.0.3");
        await using var agent = Agent(TwoMx());

        await DeliverAsync(agent, Request("first\r\n", false, "u@dest.test"));
        await DeliverAsync(agent, Request("second\r\n", false, "u@dest.test"));

        Assert.Equal(2, mx2.Messages.Count);
        Assert.Equal(1, mx1.Connections);
    }

    [Fact]
    public async Task Eight_bit_content_is_re_encoded_for_a_seven_bit_server()
    {
        var mx1 = Host("127.0.0.2");
        mx1.Extensions.Remove("8BITMIME");
        await using var agent = Agent(TwoMx());
        string message = "Subject: Grüße\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÄpfel und Birnen\r\n";

        var outcome = (await DeliverAsync(agent, Request(message, false, "u@dest.test")))[0];

        Assert.Equal(OutcomeKind.Delivered, outcome.Kind);
        var received = Assert.Single(mx1.Messages).Content;
        Assert.True(System.Text.Ascii.IsValid(received));
        var parsed = MimeKit.MimeMessage.Load(new MemoryStream(received));
        Assert.Equal("Äpfel und Birnen", parsed.TextBody!.TrimEnd());
        Assert.DoesNotContain("BODY=8BITMIME", mx1.Commands.Single(c => c.StartsWith("MAIL", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_message_that_needs_smtputf8_bounces_when_no_mx_offers_it()
    {
        Host("127.0.0.2").Extensions.Remove("SMTPUTF8");
        Host("127.0.0.3").Extensions.Remove("SMTPUTF8");
        await using var agent = Agent(TwoMx());

        var outcome = (await DeliverAsync(agent, Request("x\r\n", true, "jürgen@dest.test")))[0];

        Assert.Equal(OutcomeKind.PermanentFailure, outcome.Kind);
        Assert.Equal("5.6.7", outcome.Status);
    }

    [Fact]
    public async Task Dns_answers_decide_bounce_and_deferral()
    {
        await using var nx = Agent(new StaticDns().WithMx(Domain, DnsStatus.NameError));
        await using var fail = Agent(new StaticDns().WithMx(Domain, DnsStatus.TemporaryFailure));
        await using var nullMx = Agent(new StaticDns().WithMx(Domain, (0, ".")));

        Assert.Equal(("5.1.2", OutcomeKind.PermanentFailure), Summary((await DeliverAsync(nx, Request("x\r\n", false, "u@dest.test")))[0]));
        Assert.Equal(OutcomeKind.TemporaryFailure, (await DeliverAsync(fail, Request("x\r\n", false, "u@dest.test")))[0].Kind);
        Assert.Equal(("5.1.10", OutcomeKind.PermanentFailure), Summary((await DeliverAsync(nullMx, Request("x\r\n", false, "u@dest.test")))[0]));

        static (string, OutcomeKind) Summary(DeliveryOutcome o) => (o.Status, o.Kind);
    }

    /// <summary>DNS answers chosen by the test, for decisions that do not need the lab's real name server.</summary>
    private sealed class StaticDns : IDnsResolver
    {
        private readonly Dictionary<string, DnsAnswer<MxRecord>> _mx = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, DnsAnswer<IPAddress>> _addresses = new(StringComparer.OrdinalIgnoreCase);

        public StaticDns WithMx(string domain, params (int Preference, string Host)[] records)
        {
            _mx[domain] = DnsAnswer.Found<MxRecord>([.. records.Select(r => new MxRecord(r.Preference, r.Host))]);
            return this;
        }

        public StaticDns WithMx(string domain, DnsStatus status)
        {
            _mx[domain] = DnsAnswer.Empty<MxRecord>(status, status.ToString());
            return this;
        }

        public StaticDns WithAddress(string host, string address)
        {
            _addresses[host] = DnsAnswer.Found<IPAddress>([IPAddress.Parse(address)]);
            return this;
        }

        public Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken) =>
            Task.FromResult(_mx.GetValueOrDefault(domain) ?? DnsAnswer.Empty<MxRecord>(DnsStatus.NameError));

        public Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken) =>
            Task.FromResult(_addresses.GetValueOrDefault(host) ?? DnsAnswer.Empty<IPAddress>(DnsStatus.NameError));
    }
}
