using System.Text;
using Carrier.Store.Mailboxes;

namespace Carrier.Testing;

/// <summary>
/// A Carrier with POP3 on loopback, an account for alice with mail delivered over SMTP, and the stored
/// bytes of each message, which is what POP3 must hand back.
/// </summary>
public abstract class Pop3TestServer : IAsyncLifetime
{
    protected const string Alice = "alice@local.test";
    protected const string Password = "correct horse battery";
    protected const int ErrorBudget = 10;

    protected TestCarrier Carrier { get; private set; } = null!;

    /// <summary>What the store holds for alice's INBOX after <see cref="DeliverAsync"/>, in UID order.</summary>
    protected List<byte[]> Stored { get; } = [];

    public async Task InitializeAsync()
    {
        Carrier = await TestCarrier.StartAsync(s => s["Limits:ErrorsPerSession"] = ErrorBudget.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Carrier.AddUserAsync(Alice, Password);
    }

    public async Task DisposeAsync() => await Carrier.DisposeAsync();

    protected int Port => Carrier.Pop3Port;

    protected Task<Pop3Wire> LoginAsync() => Pop3Wire.LoginAsync(Port, Alice, Password);

    /// <summary>Delivers messages to alice through SMTP and records what the store kept.</summary>
    protected async Task DeliverAsync(params string[] messages)
    {
        int before = (await InboxAsync()).Count;
        foreach (string message in messages)
        {
            await SmtpDelivery.SendAsync(Carrier.SmtpPort, "bob@example.org", Alice, message);
        }

        var stored = await Carrier.WaitForMessagesAsync(Alice, before + messages.Length);
        foreach (var info in stored.Skip(before))
        {
            Stored.Add(await Carrier.ReadMessageAsync(Alice, info.Uid));
        }
    }

    protected async Task<IReadOnlyList<MessageInfo>> InboxAsync()
    {
        var inbox = await Carrier.MailboxAsync(Alice);
        return await Carrier.Server.Store.Mailboxes.ListMessagesAsync(inbox.Id, CancellationToken.None);
    }

    /// <summary>Undoes dot-stuffing and joins lines with CRLF, as a client rebuilds a message from RETR.</summary>
    protected static byte[] Unstuff(IEnumerable<string> lines) =>
        Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => (l.StartsWith('.') ? l[1..] : l) + "\r\n")));

    protected static string Plain(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
