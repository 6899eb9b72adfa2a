using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Carrier.Cli;
using Carrier.Delivery.Dkim;
using Carrier.IntegrationTests.Infrastructure;
using Carrier.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// Sender authentication against real DNS: mail handed to Carrier's port 25 by Python's smtplib from a lab
/// address, with the SPF and DMARC records of <c>Zones/auth.test.zone</c> served by NSD and DKIM signatures
/// made by dkimpy. What arrives in the mailbox (its Authentication-Results, INBOX or Junk) or the refusal is
/// what is checked. And the other way round: Carrier's own signatures verified by dkimpy's dkimverify in
/// the namespace, with the keys published in the lab's zone as <c>carrier dns records</c> prints them.
/// </summary>
[Collection(RoutingLabCollection.Name)]
public sealed class AuthenticationTests(RoutingLab lab) : IAsyncLifetime
{
    private const string Us = "Authentication-Results: mail.local.test;";

    public Task InitializeAsync() => lab.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("a@pass.auth.test", "a@pass.auth.test", "spf=pass", "dmarc=pass (p=reject)", "INBOX")]
    [InlineData("a@softfail.auth.test", "a@softfail.auth.test", "spf=softfail", "dmarc=fail (p=quarantine)", "Junk")]
    [InlineData("a@none.auth.test", "a@none.auth.test", "spf=none", "dmarc=fail (p=none)", "INBOX")]
    [InlineData("a@perm.auth.test", "a@perm.auth.test", "spf=permerror", "dmarc=fail (p=none)", "INBOX")]
    [InlineData("a@broken.test", "a@broken.test", "spf=temperror", "dmarc=temperror", "INBOX")]
    [InlineData("a@pass.auth.test", "a@orphan.auth.test", "spf=pass", "dmarc=pass (p=none) header.from=orphan.auth.test", "INBOX")]
    public async Task Mail_is_marked_and_filed_as_the_senders_policy_says(string mailFrom, string from, string spf, string dmarc, string mailbox)
    {
        await using var carrier = await lab.StartCarrierAsync();

        var result = await SendFromLabAsync(carrier, "client.auth.test", mailFrom, Message(from, $"policy of {from}"));

        Assert.Equal(250, result.DataCode);
        string header = await DeliveredHeaderAsync(carrier, mailbox);
        string results = Field(header, Us);
        Assert.Contains($"{spf} ", results, StringComparison.Ordinal);
        Assert.Contains($"smtp.mailfrom={mailFrom}", results, StringComparison.Ordinal);
        Assert.Contains("dkim=none", results, StringComparison.Ordinal);
        Assert.Contains(dmarc, results, StringComparison.Ordinal);
        Assert.Equal(mailbox == "Junk", header.Contains("\r\nCarrier-Quarantine: dmarc=fail (p=quarantine)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_domain_with_p_reject_has_failing_mail_refused_at_the_end_of_data()
    {
        await using var carrier = await lab.StartCarrierAsync();

        var result = await SendFromLabAsync(carrier, "client.auth.test", "ceo@fail.auth.test", Message("ceo@fail.auth.test", "urgent wire transfer"));

        Assert.StartsWith("550 5.7.1", result.DataReply, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail", result.DataReply, StringComparison.Ordinal);
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("spf=fail", StringComparison.Ordinal) && l.Contains("action=reject", StringComparison.Ordinal));
        await carrier.WaitForEmptyQueueAsync();
        Assert.Equal(0, await LabMail.MailboxCountAsync(carrier));
    }

    [Fact]
    public async Task The_null_sender_is_checked_by_its_helo_name_and_forged_results_are_dropped()
    {
        await using var carrier = await lab.StartCarrierAsync();
        string forged = "Authentication-Results: mail.local.test; spf=pass smtp.mailfrom=bank.example; dmarc=pass header.from=bank.example\r\n"
            + "Authentication-Results: mx.elsewhere.example; spf=neutral smtp.mailfrom=a@pass.auth.test\r\n";

        var result = await SendFromLabAsync(carrier, "pass.auth.test", string.Empty, forged + Message("a@pass.auth.test", "a report"));

        Assert.Equal(250, result.DataCode);
        string header = await DeliveredHeaderAsync(carrier, "INBOX");
        string results = Field(header, Us);
        Assert.Contains("spf=pass ", results, StringComparison.Ordinal);
        Assert.Contains("smtp.helo=pass.auth.test", results, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass", results, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(header, Us));
        Assert.DoesNotContain("bank.example", header, StringComparison.Ordinal);
        Assert.Contains("Authentication-Results: mx.elsewhere.example;", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_larger_than_the_memory_spool_is_checked_and_stored_whole()
    {
        await using var carrier = await lab.StartCarrierAsync();
        string body = string.Concat(Enumerable.Range(0, 9000).Select(i => $"line {i:D5} of a long message, long enough to leave memory behind\r\n"));
        string forged = "Authentication-Results: mail.local.test; dmarc=pass header.from=pass.auth.test\r\n";
        string message = forged + Message("a@pass.auth.test", "large").Replace("Hello from the lab.\r\n", body, StringComparison.Ordinal);
        Assert.True(message.Length > 2 * 256 * 1024);

        var result = await SendFromLabAsync(carrier, "client.auth.test", "a@pass.auth.test", message);

        Assert.Equal(250, result.DataCode);
        var box = await carrier.MailboxAsync(RoutingLab.Sender);
        string header = await DeliveredHeaderAsync(carrier, "INBOX");
        var stored = (await carrier.Server.Store.Mailboxes.ListMessagesAsync(box.Id, CancellationToken.None)).Single();
        string text = Encoding.UTF8.GetString(await carrier.ReadMessageAsync(RoutingLab.Sender, stored.Uid));
        Assert.Contains("dmarc=pass (p=reject)", Field(header, Us), StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(header, Us));
        Assert.EndsWith("\r\n\r\n" + body, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dkimpy_signature_passes_dmarc_where_spf_fails_and_an_altered_body_is_refused()
    {
        string selector = "lab" + Guid.NewGuid().ToString("N")[..8];
        var key = DkimKeys.Generate("dkim.auth.test", selector, DkimKeyType.Rsa);
        await lab.Dns.PublishAsync("auth.test", ZoneRecords.Txt(key.DnsName + ".", key.DnsRecord), key.DnsName);
        await using var carrier = await lab.StartCarrierAsync();
        string signed = await SignWithDkimpyAsync(Message("news@dkim.auth.test", "signed news"), key);

        var intact = await SendFromLabAsync(carrier, "client.auth.test", "news@dkim.auth.test", signed);
        var altered = await SendFromLabAsync(carrier, "client.auth.test", "news@dkim.auth.test", signed.Replace("Hello from the lab.", "Hello from a forger", StringComparison.Ordinal));

        Assert.Equal(250, intact.DataCode);
        string results = Field(await DeliveredHeaderAsync(carrier, "INBOX"), Us);
        Assert.Contains("spf=fail ", results, StringComparison.Ordinal);
        Assert.Contains($"dkim=pass (signature verified) header.d=dkim.auth.test header.i=@dkim.auth.test header.s={selector} header.b=", results, StringComparison.Ordinal);
        Assert.Contains("dmarc=pass (p=reject) header.from=dkim.auth.test", results, StringComparison.Ordinal);
        Assert.StartsWith("550 5.7.1", altered.DataReply, StringComparison.Ordinal);
        Assert.Contains(carrier.Logs.Lines, l => l.Contains("dkim=fail:dkim.auth.test", StringComparison.Ordinal) && l.Contains("action=reject", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Carriers_own_signatures_verify_with_dkimverify_against_the_published_records()
    {
        using var data = new TempDirectory("dkim-lab");
        await CarrierCliAsync(data, "dkim", "generate", "local.test");
        string records = await CarrierCliAsync(data, "dns", "records", "local.test");
        Assert.Contains("carrier-rsa._domainkey.local.test.", records, StringComparison.Ordinal);
        await lab.Dns.PublishAsync("local.test", records, "carrier-ed25519._domainkey.local.test");
        await using var carrier = await lab.StartCarrierAsync(directory: data);

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=mail.local.test" })
        {
            await client.ConnectAsync("127.0.0.1", carrier.SubmissionPort, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(RoutingLab.Sender, "password-of-test-user");
            var message = new MimeMessage();
            message.From.Add(new MailboxAddress("Alice", RoutingLab.Sender));
            message.To.Add(new MailboxAddress("Bob", "bob@linuxaid.test"));
            message.Subject = "signed on the way out";
            message.Body = new TextPart("plain") { Text = "Verify me.\n" };
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
        }

        var received = (await lab.Peers.WaitForMessagesAsync(RoutingLab.Mx, 1)).Single();
        Assert.Equal(2, Occurrences(Encoding.ASCII.GetString(received.Data), "DKIM-Signature:"));
        foreach (string index in new[] { "0", "1" })
        {
            var (exitCode, output) = await DkimverifyInLabAsync(received.Data, index);
            Assert.True(exitCode == 0, $"dkimverify --index {index}: {output}");
            Assert.Contains("signature ok", output, StringComparison.Ordinal);
        }
    }

    private static string Message(string from, string subject) =>
        $"From: <{from}>\r\nTo: <{RoutingLab.Sender}>\r\nSubject: {subject}\r\nDate: {DateTimeOffset.UtcNow.ToString("ddd, d MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)}\r\n"
        + $"Message-ID: <{Guid.NewGuid():N}@lab.test>\r\n\r\nHello from the lab.\r\n";

    /// <summary>Sends one message with smtplib from the lab's client address to Carrier's listener on the lab link.</summary>
    private async Task<SmtplibResult> SendFromLabAsync(TestCarrier carrier, string helo, string mailFrom, string content)
    {
        int port = carrier.Server.SmtpEndpoints.First(e => e.Address.Equals(lab.Network.Host)).Port;
        var spec = new JsonObject
        {
            ["host"] = lab.Network.Host.ToString(),
            ["port"] = port,
            ["helo"] = helo,
            ["source"] = lab.Network.Address(RoutingLab.ClientOffset).ToString(),
            ["messages"] = new JsonArray(new SmtplibMessage(mailFrom, [RoutingLab.Sender], Encoding.ASCII.GetBytes(content)).ToJson()),
        };
        var (_, output) = await lab.Network.RunInsideAsync(RepositoryPaths.Python, [RepositoryPaths.Script("smtplib_send.py")], input: spec.ToJsonString());
        var results = JsonNode.Parse(output)!["results"]!.AsArray();
        return new SmtplibResult(results.Single()!.AsObject());
    }

    /// <summary>The header of the one message the queue delivered to <paramref name="mailbox"/> of the lab's user.</summary>
    private static async Task<string> DeliveredHeaderAsync(TestCarrier carrier, string mailbox)
    {
        await carrier.WaitForEmptyQueueAsync();
        var box = await carrier.MailboxAsync(RoutingLab.Sender, mailbox);
        var messages = await carrier.Server.Store.Mailboxes.ListMessagesAsync(box.Id, CancellationToken.None);
        Assert.True(messages.Count == 1, $"{mailbox} holds {messages.Count} messages. Log:\n{string.Join("\n", carrier.Logs.Lines.TakeLast(20))}");
        string text = Encoding.UTF8.GetString(await carrier.ReadMessageAsync(RoutingLab.Sender, messages[0].Uid, mailbox));
        return text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2)];
    }

    /// <summary>A header field that starts with <paramref name="start"/>, unfolded.</summary>
    private static string Field(string header, string start)
    {
        int at = header.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no '{start}' in:\n{header}");
        int end = at;
        do
        {
            end = header.IndexOf("\r\n", end, StringComparison.Ordinal) + 2;
        }
        while (end < header.Length && header[end] is ' ' or '\t');

        return header[at..end].Replace("\r\n\t", " ", StringComparison.Ordinal).Replace("\r\n", string.Empty, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string value) =>
        (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    /// <summary>Signs with dkimpy (Debian's python3-dkim), an implementation independent of ours.</summary>
    private static async Task<string> SignWithDkimpyAsync(string message, DkimKeyPair key)
    {
        const string script = """
            import base64, dkim, json, sys
            spec = json.load(sys.stdin)
            signature = dkim.sign(base64.b64decode(spec["message"]), spec["selector"].encode(), spec["domain"].encode(), spec["key"].encode(),
                                  include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
            sys.stdout.write(signature.decode())
            """;
        string spec = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["message"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(message)),
            ["selector"] = key.Selector,
            ["domain"] = key.Domain,
            ["key"] = key.PrivateKeyPem,
        });
        var (_, signature) = await LabProcess.RunAsync(RepositoryPaths.Python, ["-c", script], input: spec);
        Assert.StartsWith("DKIM-Signature:", signature, StringComparison.Ordinal);
        return signature.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal) + message;
    }

    /// <summary>The carrier program, as an administrator runs it, on a data directory of its own.</summary>
    private static async Task<string> CarrierCliAsync(TempDirectory data, params string[] arguments)
    {
        var (exitCode, output) = await LabProcess.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "carrier.dll"), .. arguments, "--data", data.Path],
            allowFailure: true,
            environment: new Dictionary<string, string>
            {
                ["CARRIER_Hostname"] = TestCarrier.Hostname,
                ["CARRIER_Domains__Local__0"] = TestCarrier.Domain,
            });
        Assert.True(exitCode == 0, output);
        return output;
    }

    /// <summary>
    /// dkimverify inside the namespace. It asks DNS through dnspython, which reads /etc/resolv.conf; <c>ip netns
    /// exec</c> puts /etc/netns/NAME/resolv.conf in its place, so a file there points it at the lab's NSD.
    /// </summary>
    private async Task<(int ExitCode, string Output)> DkimverifyInLabAsync(byte[] message, string index)
    {
        const string root = "/etc/netns";
        bool rootExisted = System.IO.Directory.Exists(root);
        string netns = Path.Combine(root, lab.Network.Name);
        System.IO.Directory.CreateDirectory(netns);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(netns, "resolv.conf"), $"nameserver {lab.Dns.Address}\n");
            return await lab.Network.RunInsideAsync("dkimverify", ["--index", index], allowFailure: true, input: Encoding.Latin1.GetString(message));
        }
        finally
        {
            System.IO.Directory.Delete(netns, recursive: true);
            if (!rootExisted && !System.IO.Directory.EnumerateFileSystemEntries(root).Any())
            {
                System.IO.Directory.Delete(root);
            }
        }
    }
}
