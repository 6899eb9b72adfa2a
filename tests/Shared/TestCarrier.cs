using Carrier.Configuration;
using Carrier.Routing.Addresses;
using Carrier.Server;
using Carrier.Store.Mailboxes;

namespace Carrier.Testing;

/// <summary>
/// A real Carrier server in this process, on an ephemeral loopback port with its own data directory:
/// what the protocol tests talk to.
/// </summary>
public sealed class TestCarrier : IAsyncDisposable
{
    public const string Domain = "local.test";
    public const string Hostname = "mail.local.test";

    private readonly TempDirectory _directory;
    private readonly bool _ownsDirectory;

    private TestCarrier(TempDirectory directory, bool ownsDirectory, CarrierServer server, CapturingLoggerProvider logs, CarrierSettings settings)
    {
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Server = server;
        Logs = logs;
        Settings = settings;
    }

    public CarrierServer Server { get; }

    public CapturingLoggerProvider Logs { get; }

    public CarrierSettings Settings { get; }

    public string DataDirectory => _directory.Path;

    public int SmtpPort => Server.SmtpEndpoints[0].Port;

    public int Pop3Port => Server.Pop3Endpoints[0].Port;

    public int ImapPort => Server.ImapEndpoints[0].Port;

    public int ImapsPort => Server.EndpointsOf("imaps")[0].Port;

    public int Pop3sPort => Server.EndpointsOf("pop3s")[0].Port;

    public int SubmissionPort => Server.EndpointsOf("submission")[0].Port;

    public int SubmissionsPort => Server.EndpointsOf("submissions")[0].Port;

    /// <summary>Settings that make a test server quick: loopback port 0, cheap password hashing, a fast queue poll.</summary>
    public static Dictionary<string, string?> DefaultSettings() => new()
    {
        ["Hostname"] = Hostname,
        ["Domains:Local:0"] = Domain,
        ["Smtp:Listen:0"] = "127.0.0.1:0",
        ["Pop3:Listen:0"] = "127.0.0.1:0",
        ["Imap:Listen:0"] = "127.0.0.1:0",
        ["Pop3s:Listen:0"] = "127.0.0.1:0",
        ["Imaps:Listen:0"] = "127.0.0.1:0",
        ["Submission:Listen:0"] = "127.0.0.1:0",
        ["Submissions:Listen:0"] = "127.0.0.1:0",
        ["Store:PasswordIterations"] = "1000",
        ["Queue:PollInterval"] = "00:00:00.200",
        ["Timeouts:ShutdownGrace"] = "00:00:03",

        // Sender checks ask DNS about the sender's domain: only the lab, with DNS of its own, turns them on.
        ["Authentication:Enabled"] = "false",
    };

    /// <summary>Starts a server; <paramref name="time"/> replaces the clock (greylisting and rate tests move it by hand).</summary>
    public static async Task<TestCarrier> StartAsync(Action<Dictionary<string, string?>>? configure = null, TempDirectory? directory = null, TimeProvider? time = null)
    {
        var settingsValues = DefaultSettings();
        configure?.Invoke(settingsValues);
        bool owns = directory is null;
        directory ??= new TempDirectory("server");
        var settings = ConfigurationLoader.Load(directory.Path, settingsValues);
        var logs = new CapturingLoggerProvider();
        var server = CarrierServer.Start(settings, logs.CreateFactory(), time ?? TimeProvider.System);
        await Task.Yield();
        return new TestCarrier(directory, owns, server, logs, settings);
    }

    public async Task AddUserAsync(string address, string password = "password-of-test-user") =>
        await Server.Directory.AddUserAsync(address, password, CancellationToken.None);

    public async Task<MailboxInfo> MailboxAsync(string address, string name = "INBOX")
    {
        var account = await Server.Store.Accounts.GetAccountAsync(EmailAddress.Parse(address).Key, CancellationToken.None)
            ?? throw new InvalidOperationException($"no account {address}");
        return await Server.Store.Mailboxes.GetMailboxAsync(account.Id, name, CancellationToken.None)
            ?? throw new InvalidOperationException($"no mailbox {name}");
    }

    /// <summary>Waits until the mailbox holds at least <paramref name="count"/> messages; returns them.</summary>
    public async Task<IReadOnlyList<MessageInfo>> WaitForMessagesAsync(string address, int count, TimeSpan? timeout = null)
    {
        var mailbox = await MailboxAsync(address);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var messages = await Server.Store.Mailboxes.ListMessagesAsync(mailbox.Id, CancellationToken.None);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{address} has {messages.Count} of {count} expected messages. Log:\n{string.Join("\n", Logs.Lines.TakeLast(40))}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The stored bytes of a message.</summary>
    public async Task<byte[]> ReadMessageAsync(string address, uint uid, string mailbox = "INBOX")
    {
        var box = await MailboxAsync(address, mailbox);
        await using var stream = await Server.Store.Mailboxes.OpenMessageAsync(box.Id, uid, CancellationToken.None)
            ?? throw new InvalidOperationException($"no message {uid}");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Waits until the queue is empty (everything delivered or bounced).</summary>
    public async Task WaitForEmptyQueueAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while ((await Server.Store.Queue.ListAsync(CancellationToken.None)).Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the queue did not empty");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync();
        if (_ownsDirectory)
        {
            _directory.Dispose();
        }
    }
}
