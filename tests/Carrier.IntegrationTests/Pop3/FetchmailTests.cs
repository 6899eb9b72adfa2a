using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Pop3;

/// <summary>
/// fetchmail polling Carrier over POP3 and handing each message to an MDA that writes it to a file; with
/// its own rcfile, pid file and id file in a temporary directory, so that nothing of the machine's is used.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class FetchmailTests : Pop3TestServer
{
    private const string Fetchmail = "/usr/bin/fetchmail";

    [Fact]
    public async Task Fetchmail_keeps_messages_and_fetches_only_new_ones_next_time()
    {
        await DeliverAsync(SmtpDelivery.Message("fetch one", "first body"), SmtpDelivery.Message("fetch two", "second body\r\n.dotted"));
        using var home = new TempDirectory("fetchmail");
        var first = await RunFetchmailAsync(home, keep: true);
        Assert.True(first.ExitCode == 0, first.ToString());
        var delivered = DeliveredMessages(home);
        Assert.Equal(2, delivered.Count);
        AssertDelivered(Stored[0], delivered);
        AssertDelivered(Stored[1], delivered);
        Assert.Equal(2, (await InboxAsync()).Count);

        await DeliverAsync(SmtpDelivery.Message("fetch three", "third body"));
        var second = await RunFetchmailAsync(home, keep: true);
        Assert.True(second.ExitCode == 0, second.ToString());
        delivered = DeliveredMessages(home);
        Assert.Equal(3, delivered.Count);
        AssertDelivered(Stored[2], delivered);
        Assert.Equal(3, (await InboxAsync()).Count);

        // Nothing new: fetchmail says so with exit code 1.
        var third = await RunFetchmailAsync(home, keep: true);
        Assert.True(third.ExitCode == 1, third.ToString());
        Assert.Equal(3, DeliveredMessages(home).Count);
    }

    [Fact]
    public async Task Fetchmail_deletes_what_it_fetched()
    {
        await DeliverAsync(SmtpDelivery.Message("fetch and delete", "body to take away"), SmtpDelivery.Message("second", "another body"));
        using var home = new TempDirectory("fetchmail");
        var run = await RunFetchmailAsync(home, keep: false);
        Assert.True(run.ExitCode == 0, run.ToString());
        var delivered = DeliveredMessages(home);
        Assert.Equal(2, delivered.Count);
        AssertDelivered(Stored[0], delivered);
        AssertDelivered(Stored[1], delivered);
        Assert.Empty(await InboxAsync());
    }

    private async Task<ExternalProgram.Result> RunFetchmailAsync(TempDirectory home, bool keep)
    {
        string mail = home.Combine("mail");
        System.IO.Directory.CreateDirectory(mail);
        string rcfile = home.Combine("fetchmailrc");
        string rc = string.Create(
            CultureInfo.InvariantCulture,
            $"""
            set no syslog
            poll 127.0.0.1 with proto POP3 port {Port} and timeout 20 and uidl:
              user "{Alice}" there with password "{Password}" is "{Environment.UserName}" here
              options {(keep ? "keep" : "no keep")} no rewrite sslproto ''
              mda "cat > $(mktemp {mail}/msg.XXXXXX)"

            """);
        await File.WriteAllTextAsync(rcfile, rc);
        File.SetUnixFileMode(rcfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return await ExternalProgram.RunAsync(
            ExternalProgram.Require(Fetchmail),
            ["--nodetach", "-f", rcfile, "--pidfile", home.Combine("fetchmail.pid"), "--idfile", home.Combine("fetchids")],
            new Dictionary<string, string> { ["HOME"] = home.Path, ["FETCHMAILHOME"] = home.Path });
    }

    private static List<string> DeliveredMessages(TempDirectory home) =>
        [.. System.IO.Directory.GetFiles(home.Combine("mail")).Select(File.ReadAllText)];

    /// <summary>
    /// fetchmail hands the MDA Unix line ends and adds its own Received: field below Return-Path: and
    /// Delivered-To:; without that field, a delivered file must be the stored message exactly.
    /// </summary>
    private static void AssertDelivered(byte[] stored, List<string> delivered)
    {
        string expected = Encoding.UTF8.GetString(stored).Replace("\r\n", "\n", StringComparison.Ordinal);
        var withoutFetchmailTrace = delivered
            .Where(d => d.Contains("with POP3 (fetchmail-", StringComparison.Ordinal))
            .Select(d => FetchmailReceived().Replace(d, string.Empty, 1));
        Assert.Contains(expected, withoutFetchmailTrace);
    }

    [GeneratedRegex(@"^Received: from 127\.0\.0\.1 \[127\.0\.0\.1\]\n(?:\t.*\n)+", RegexOptions.Multiline)]
    private static partial Regex FetchmailReceived();
}
