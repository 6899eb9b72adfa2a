using System.Diagnostics;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Imap;

/// <summary>Python's imaplib (Debian's python3) drives a session; the test reads what the script printed.</summary>
public sealed class ImaplibTests
{
    [Fact]
    public async Task Python_imaplib_appends_lists_searches_fetches_stores_copies_and_expunges()
    {
        await using var carrier = await TestCarrier.StartAsync();
        await carrier.AddUserAsync("python@local.test", "snake-password");
        string script = Path.Combine(AppContext.BaseDirectory, "Imap", "scripts", "imaplib_session.py");
        var output = await RunAsync("/usr/bin/python3", script, carrier.ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "python@local.test", "snake-password");

        Assert.Contains("IMAP4REV1", output["capabilities"], StringComparison.Ordinal);
        Assert.Equal("OK", output["login"]);
        Assert.Matches(@"^OK \[APPENDUID \d+ 1\] APPEND completed$", output["append"]);
        Assert.StartsWith("OK 6 ", output["list"], StringComparison.Ordinal);
        Assert.Equal("OK 1", output["select"]);
        Assert.Equal("OK 1", output["search"]);
        Assert.Equal("From imaplib", output["fetch subject"]);
        Assert.Equal("Sent by Python.", output["fetch body"]);
        Assert.Equal("1 (FLAGS (\\Seen \\Flagged))", output["flags"]);
        Assert.Equal("OK 1 (UID 1 FLAGS (\\Seen \\Answered \\Flagged))", output["store"]);
        Assert.Equal("OK", output["create"]);
        Assert.Matches(@"^OK COPYUID \d+ 1 1$", output["copy"]);
        Assert.Equal("OK Python (MESSAGES 1 UIDNEXT 2)", output["status"]);
        Assert.Equal("OK 1", output["expunge"]);
        Assert.Equal("BYE", output["logout"]);
    }

    [Fact]
    public async Task Python_imaplib_sorts_and_threads()
    {
        await using var carrier = await TestCarrier.StartAsync();
        await carrier.AddUserAsync("threads@local.test", "snake-password");
        string script = Path.Combine(AppContext.BaseDirectory, "Imap", "scripts", "imaplib_sort_thread.py");
        var output = await RunAsync("/usr/bin/python3", script, carrier.ImapPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "threads@local.test", "snake-password");

        Assert.Equal("OK 4", output["select"]);
        Assert.Equal("OK 3 1 2 4", output["sort-subject"]);
        Assert.Equal("OK 4 3 2 1", output["sort-reverse-date"]);
        Assert.Equal("OK 1 2 4", output["uid-sort"]);
        Assert.Equal("OK (1 2 4)(3)", output["thread-references"]);
        Assert.Equal("OK (1 (2)(4))(3)", output["thread-orderedsubject"]);
        Assert.StartsWith("refused", output["bad-sort"], StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, string>> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"python exited with {process.ExitCode}: {await stderr}\n{await stdout}");
        var facts = new Dictionary<string, string>();
        foreach (string line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = line.Split(' ', 2);
            string key = words[0];
            string value = words.Length > 1 ? words[1] : string.Empty;
            if (key is "fetch")
            {
                string[] more = value.Split(' ', 2);
                key += " " + more[0];
                value = more.Length > 1 ? more[1] : string.Empty;
            }

            facts[key] = value;
        }

        return facts;
    }
}
