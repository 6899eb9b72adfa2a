using Carrier.Testing;

namespace Carrier.Tests.Imap;

/// <summary>One real server for a test class; each test takes its own account so tests do not see each other's mail.</summary>
public sealed class ImapServerFixture : IAsyncLifetime
{
    private int _users;

    public TestCarrier Carrier { get; private set; } = null!;

    public int Port => Carrier.ImapPort;

    public async Task InitializeAsync() => Carrier = await TestCarrier.StartAsync();

    public async Task DisposeAsync() => await Carrier.DisposeAsync();

    public async Task<string> NewUserAsync()
    {
        string address = $"user{Interlocked.Increment(ref _users)}@{TestCarrier.Domain}";
        await Carrier.AddUserAsync(address);
        return address;
    }

    public async Task<ImapWire> LoginAsync(string? user = null) => await ImapWire.LoginAsync(Port, user ?? await NewUserAsync());

    /// <summary>A small message with CRLF line ends, as a client would APPEND it.</summary>
    public static string Message(string subject, string body = "Hello there.") =>
        $"From: Alice <alice@example.org>\r\nTo: bob@local.test\r\nSubject: {subject}\r\nDate: Mon, 7 Feb 2022 21:52:25 -0800\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}\r\n";

    /// <summary>Appends a message with a synchronizing literal and returns the server's final response.</summary>
    public static async Task<string> AppendAsync(ImapWire wire, string mailbox, string message, string flags = "")
    {
        int length = System.Text.Encoding.UTF8.GetByteCount(message);
        await wire.SendAsync($"AP APPEND {mailbox} {(flags.Length > 0 ? "(" + flags + ") " : string.Empty)}{{{length}}}\r\n");
        string? continuation = await wire.ReadLineAsync();
        if (continuation is null || !continuation.StartsWith('+'))
        {
            throw new InvalidOperationException("no continuation: " + continuation);
        }

        await wire.SendAsync(message + "\r\n");
        return await wire.ReadTaggedAsync("AP");
    }
}
