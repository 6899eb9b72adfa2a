using System.Text;
using Carrier.Testing;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// A Carrier data directory made by the real <c>carrier init</c>, and the CLI run as a child process
/// against it, as an administrator would type it.
/// </summary>
public sealed class CarrierDataDirectory : IDisposable
{
    public const string Domain = "local.test";
    public const string Hostname = "mail.local.test";
    public const string Password = "correct horse battery";

    private readonly TempDirectory _temp;

    private CarrierDataDirectory(TempDirectory temp)
    {
        _temp = temp;
    }

    /// <summary>The data directory (a subfolder of the temp folder, so that exports can sit beside it).</summary>
    public string Path => _temp.Combine("data");

    /// <summary>A scratch folder beside the data directory for exports and symlinks; removed with it.</summary>
    public string Scratch(string name)
    {
        string path = _temp.Combine(name);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Environment for every CLI command: cheap password hashes (PBKDF2's default cost is for production,
    /// not for tests that create accounts by the dozen), and no sender checks, which would ask the machine's DNS
    /// about the test domains (the routing lab checks them against its own DNS).
    /// </summary>
    public static IReadOnlyDictionary<string, string> CliEnvironment { get; } = new Dictionary<string, string>
    {
        ["CARRIER_Store__PasswordIterations"] = "1000",
        ["CARRIER_Authentication__Enabled"] = "false",
    };

    public static async Task<CarrierDataDirectory> InitAsync()
    {
        RepositoryPaths.RequireCarrierExecutable();
        var data = new CarrierDataDirectory(new TempDirectory("e2e"));
        try
        {
            (await data.RunAsync("init", "--hostname", Hostname, "--domain", Domain, "--listen", "127.0.0.1:25")).ExpectSuccess();
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>Runs <c>carrier ARGS --data DIR</c>.</summary>
    public Task<CommandResult> RunAsync(params string[] arguments) => RunAsync(arguments, input: null);

    public Task<CommandResult> RunAsync(IEnumerable<string> arguments, byte[]? input, IReadOnlyDictionary<string, string>? environment = null) =>
        CommandResult.RunAsync(RepositoryPaths.CarrierExecutable, [.. arguments, "--data", Path], Merge(environment), input);

    public async Task AddUserAsync(string address, string password = Password) =>
        (await RunAsync(["user", "add", address, "--password-stdin"], Encoding.UTF8.GetBytes(password + "\n"))).ExpectSuccess();

    /// <summary>Runs <c>carrier sendmail --data DIR ARGS</c> with the message on standard input.</summary>
    public Task<CommandResult> SendmailAsync(string message, params string[] arguments) =>
        CommandResult.RunAsync(RepositoryPaths.CarrierExecutable, ["sendmail", "--data", Path, .. arguments], Merge(null), Encoding.UTF8.GetBytes(message));

    /// <summary>Writes the account's mailboxes with <c>carrier mailbox export --maildir</c> and reads INBOX back.</summary>
    public async Task<ExportedMaildir> ExportAsync(string address)
    {
        string target = System.IO.Path.Combine(Scratch("exports"), $"{address}-{Guid.NewGuid():N}");
        (await RunAsync("mailbox", "export", address, "--maildir", target)).ExpectSuccess();
        return ExportedMaildir.Read(target);
    }

    /// <summary>Exports until INBOX holds a message that matches, or fails after <paramref name="timeout"/>.</summary>
    public async Task<ExportedMessage> WaitForMessageAsync(string address, Func<ExportedMessage, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var inbox = await ExportAsync(address);
            var found = inbox.Messages.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                string queue = (await RunAsync("queue", "list")).Output;
                throw new TimeoutException($"no matching message reached {address}; INBOX has {inbox.Messages.Count}: {string.Join(", ", inbox.Messages.Select(m => m.Message.Subject))}\nqueue:\n{queue}");
            }

            await Task.Delay(300);
        }
    }

    /// <summary>
    /// The message exactly as stored, printed by <c>carrier mailbox show</c>; found by a text that
    /// <c>carrier mailbox list</c> shows in its row (part of the subject).
    /// </summary>
    public async Task<byte[]> ShowStoredAsync(string address, string rowText)
    {
        var list = (await RunAsync("mailbox", "list", address)).ExpectSuccess();
        var rows = list.StandardOutput.Split('\n').Where(l => l.Contains(rowText, StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count == 1, $"expected one row with '{rowText}' in:\n{list.StandardOutput}");
        string uid = rows[0].Trim().Split(' ')[0];
        return (await RunAsync("mailbox", "show", address, uid)).ExpectSuccess().StandardOutputBytes;
    }

    /// <summary>Polls <c>carrier queue list</c> until the queue is empty.</summary>
    public async Task WaitForEmptyQueueAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var list = (await RunAsync("queue", "list")).ExpectSuccess();
            if (list.StandardOutput.Contains("Mail queue is empty", StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the queue did not empty:\n{list.Output}");
            }

            await Task.Delay(300);
        }
    }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? environment)
    {
        var merged = new Dictionary<string, string>(CliEnvironment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        return merged;
    }
}
