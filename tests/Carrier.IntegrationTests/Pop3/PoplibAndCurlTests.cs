using System.Text;
using System.Text.Json;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Pop3;

/// <summary>Python's poplib and curl's pop3:// reading mail that arrived over SMTP.</summary>
public sealed class PoplibAndCurlTests : Pop3TestServer
{
    private const string Python = "/usr/bin/python3";
    private const string Curl = "/usr/bin/curl";

    [Fact]
    public async Task Poplib_lists_retrieves_and_deletes()
    {
        await DeliverAsync(
            SmtpDelivery.Message("poplib one", "first body\r\n..two dots in the message"),
            SmtpDelivery.Message("poplib two", "second body"));
        using var output = new TempDirectory("poplib");
        string script = Path.Combine(AppContext.BaseDirectory, "Scripts", "pop3_fetch.py");
        var run = await ExternalProgram.RunAsync(
            ExternalProgram.Require(Python),
            [script, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", Alice, "--password", Password, "--out", output.Path, "--delete"]);
        Assert.True(run.ExitCode == 0, run.ToString());

        using var report = JsonDocument.Parse(run.Output);
        var root = report.RootElement;
        Assert.StartsWith("+OK", root.GetProperty("welcome").GetString());
        Assert.Contains("UIDL", root.GetProperty("capa").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([2, Stored.Sum(m => m.Length)], root.GetProperty("stat").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([$"1 {Stored[0].Length}", $"2 {Stored[1].Length}"], root.GetProperty("list").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, root.GetProperty("uidl").EnumerateArray().Select(e => e.GetString()!.Split(' ')[1]).Distinct().Count());
        Assert.Contains("Subject: poplib one", root.GetProperty("top").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(string.Empty, root.GetProperty("top").EnumerateArray().Last().GetString());
        Assert.StartsWith("+OK", root.GetProperty("quit").GetString());

        Assert.Equal(Stored[0], await File.ReadAllBytesAsync(output.Combine("1.eml")));
        Assert.Equal(Stored[1], await File.ReadAllBytesAsync(output.Combine("2.eml")));
        Assert.Contains("\r\n..two dots in the message\r\n", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(output.Combine("1.eml"))));
        Assert.Empty(await InboxAsync());
    }

    [Fact]
    public async Task Curl_lists_and_retrieves()
    {
        await DeliverAsync(
            SmtpDelivery.Message("curl one", "first body"),
            SmtpDelivery.Message("curl two", "second body\r\n.with a dot"));
        string url = $"pop3://127.0.0.1:{Carrier.Pop3Port}/";

        var list = await ExternalProgram.RunAsync(ExternalProgram.Require(Curl), ["-sS", "--max-time", "20", "-u", $"{Alice}:{Password}", url]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal($"1 {Stored[0].Length}\r\n2 {Stored[1].Length}\r\n", list.Output);

        using var output = new TempDirectory("curl");
        var retrieve = await ExternalProgram.RunAsync(Curl, ["-sS", "--max-time", "20", "-u", $"{Alice}:{Password}", "-o", output.Combine("2.eml"), url + "2"]);
        Assert.True(retrieve.ExitCode == 0, retrieve.ToString());
        Assert.Equal(Stored[1], await File.ReadAllBytesAsync(output.Combine("2.eml")));

        var wrong = await ExternalProgram.RunAsync(Curl, ["-sS", "--max-time", "20", "-u", $"{Alice}:wrong", url]);
        Assert.Equal(67, wrong.ExitCode);
        Assert.Equal(2, (await InboxAsync()).Count);
    }
}
