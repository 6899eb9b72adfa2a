using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Carrier.Delivery.Dkim;
using Carrier.Testing;
using Carrier.Tests.Smtp.Client;

namespace Carrier.Tests.Delivery;

/// <summary>
/// Outbound DKIM signatures checked by an independent verifier (dkimpy, Debian's python3-dkim) with the
/// records <c>carrier dkim generate</c> tells the administrator to publish.
/// </summary>
public sealed class DkimSigningTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("dkim");
    private readonly ScriptedSmtpServer _remote = new();
    private readonly Dictionary<string, string> _published = [];
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        foreach (var (selector, type) in new[] { ("carrier-rsa", DkimKeyType.Rsa), ("carrier-ed25519", DkimKeyType.Ed25519) })
        {
            var pair = DkimKeys.Generate("local.test", selector, type);
            DkimKeys.Save(_data.Path, pair);
            _published[pair.DnsName + "."] = pair.DnsRecord;
        }

        _carrier = await TestCarrier.StartAsync(
            settings => settings["Transport:Routes:remote.example"] = $"[127.0.0.1]:{_remote.EndPoint.Port}",
            _data);
        await _carrier.AddUserAsync("alice@local.test", "alice's password");
    }

    public async Task DisposeAsync()
    {
        await _carrier.DisposeAsync();
        await _remote.DisposeAsync();
        _data.Dispose();
    }

    private async Task<byte[]> ReceivedAsync()
    {
        for (int i = 0; i < 200 && _remote.Messages.IsEmpty; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(_remote.Messages.TryDequeue(out var message), "the remote server received nothing");
        return message.Content;
    }

    private async Task<string> VerifyAsync(byte[] content)
    {
        string messageFile = Path.Combine(_data.Path, "received.eml");
        string recordsFile = Path.Combine(_data.Path, "records.json");
        string script = Path.Combine(_data.Path, "verify.py");
        await File.WriteAllBytesAsync(messageFile, content);
        await File.WriteAllTextAsync(recordsFile, JsonSerializer.Serialize(_published));
        await File.WriteAllTextAsync(script, """
            import dkim, json, sys
            records = json.load(open(sys.argv[2]))
            def txt(name, timeout=5):
                return records.get(name.decode().lower(), "").encode() or None
            message = open(sys.argv[1], "rb").read()
            signer = dkim.DKIM(message)
            count = len([h for h in signer.headers if h[0].lower() == b"dkim-signature"])
            for i in range(count):
                ok = signer.verify(idx=i, dnsfunc=txt)
                algorithm = signer.signature_fields.get(b"a", b"").decode()
                print(i, algorithm, ok)
            """);
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { script, messageFile, recordsFile })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output;
    }

    [Fact]
    public async Task Submitted_mail_is_signed_with_rsa_and_ed25519_and_both_verify()
    {
        await using (var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionPort))
        {
            await wire.CommandAsync("EHLO client.example.org");
            string plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice@local.test\0alice's password"));
            Assert.StartsWith("235", await wire.CommandAsync("AUTH PLAIN " + plain), StringComparison.Ordinal);
            await wire.CommandAsync("MAIL FROM:<alice@local.test>");
            Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@remote.example>"), StringComparison.Ordinal);
            await wire.CommandAsync("DATA");
            Assert.StartsWith("250", await wire.CommandAsync("From: Alice <alice@local.test>\r\nTo: bob@remote.example\r\nSubject: signed\r\n\r\nThis message is signed.\r\n."), StringComparison.Ordinal);
        }

        string verdicts = await VerifyAsync(await ReceivedAsync());

        Assert.Contains("rsa-sha256 True", verdicts, StringComparison.Ordinal);
        Assert.Contains("ed25519-sha256 True", verdicts, StringComparison.Ordinal);
        Assert.DoesNotContain("False", verdicts, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_relayed_for_a_trusted_client_is_passed_on_unsigned()
    {
        await using (var wire = await SmtpWire.ConnectAsync(_carrier.SmtpPort))
        {
            await wire.CommandAsync("EHLO client.example.org");
            await wire.CommandAsync("MAIL FROM:<alice@local.test>");
            Assert.StartsWith("250", await wire.CommandAsync("RCPT TO:<bob@remote.example>"), StringComparison.Ordinal);
            await wire.CommandAsync("DATA");
            Assert.StartsWith("250", await wire.CommandAsync("From: alice@local.test\r\nSubject: relayed\r\n\r\nbody\r\n."), StringComparison.Ordinal);
        }

        string received = Encoding.UTF8.GetString(await ReceivedAsync());

        Assert.DoesNotContain("DKIM-Signature", received, StringComparison.OrdinalIgnoreCase);
    }
}
