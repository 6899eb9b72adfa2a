using System.Text;
using Carrier.Store;
using Carrier.Store.Accounts;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;
using Carrier.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Store.Contract;

/// <summary>
/// What every store implementation must do, written once against the contracts in Carrier.Store. A backend
/// runs the suite by deriving from each contract class and saying how to open a store on a directory.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    /// <summary>Content larger than this is a "large" blob for every backend (the embedded default keeps 64 KiB inline).</summary>
    protected const int LargeBlobBytes = 300 * 1024;

    private readonly TempDirectory _directory = new("store");

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    protected ICarrierStore Store { get; private set; } = null!;

    protected string DataDirectory => _directory.Path;

    /// <summary>Opens the implementation under test on <paramref name="directory"/> (creating or reopening it).</summary>
    protected abstract ICarrierStore Open(string directory, TimeProvider time);

    public Task InitializeAsync()
    {
        Store = Open(_directory.Path, Time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Closes the store and opens it again on the same directory, as a restart does.</summary>
    protected async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Store = Open(_directory.Path, Time);
    }

    protected static CancellationToken None => CancellationToken.None;

    protected static byte[] Content(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Deterministic content of the given size that is not all one byte, so that misplaced chunks show.</summary>
    protected static byte[] LargeContent(int size = LargeBlobBytes, int seed = 1)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected async Task<IBlobWriter> WriteBlobAsync(byte[] content, int chunk = 8192)
    {
        var writer = Store.Blobs.CreateWriter();
        for (int offset = 0; offset < content.Length; offset += chunk)
        {
            await writer.WriteAsync(content.AsMemory(offset, Math.Min(chunk, content.Length - offset)), None);
        }

        return writer;
    }

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    protected async Task<byte[]> ReadBlobAsync(string blobId) => await ReadAllAsync(await Store.Blobs.OpenReadAsync(blobId, None));

    protected QueuedMessage QueueMessage(IBlobWriter content, string? id = null, bool held = false) => new()
    {
        Id = id ?? Identifiers.New(Time),
        Sender = "sender@example.org",
        ArrivedAt = Time.GetUtcNow(),
        Size = content.Length,
        BlobId = content.BlobId,
        Origin = "smtp",
        Client = "client.example[192.0.2.7]",
        HeloName = "client.example",
        BodyType = "8BITMIME",
        SmtpUtf8 = true,
        DsnReturn = "HDRS",
        EnvelopeId = "env-1",
        Held = held,
    };

    protected QueuedRecipient Recipient(int index, string address, TimeSpan? dueIn = null) => new()
    {
        Index = index,
        Address = address,
        OriginalRecipient = $"rfc822;{address}",
        Notify = "SUCCESS,FAILURE",
        NextAttemptAt = Time.GetUtcNow() + (dueIn ?? TimeSpan.Zero),
    };

    /// <summary>Queues a message with the given content and recipients; returns its id.</summary>
    protected async Task<QueuedMessage> EnqueueAsync(byte[] content, params string[] recipients)
    {
        await using var writer = await WriteBlobAsync(content);
        var message = QueueMessage(writer);
        await Store.Queue.EnqueueAsync(message, [.. recipients.Select((r, i) => Recipient(i, r))], writer, None);
        return message;
    }

    protected async Task<Account> AccountAsync(string address = "alice@local.test") =>
        await Store.Accounts.GetAccountAsync(address, None)
        ?? await Store.Accounts.CreateAccountAsync(address, "hash", DefaultMailbox.Standard, None);

    protected async Task<MailboxInfo> MailboxAsync(string name = "INBOX", string address = "alice@local.test")
    {
        var account = await AccountAsync(address);
        return (await Store.Mailboxes.GetMailboxAsync(account.Id, name, None))!;
    }

    protected async Task<MailboxInfo> ReloadAsync(MailboxInfo mailbox) =>
        (await Store.Mailboxes.GetMailboxAsync(mailbox.AccountId, mailbox.Name, None))!;

    /// <summary>Writes new content and appends it to a mailbox with a header prefix; returns the new UID.</summary>
    protected async Task<uint> AppendAsync(MailboxInfo mailbox, byte[] content, string prefix = "", MessageFlags flags = MessageFlags.None, string? deliveryKey = null, params string[] keywords)
    {
        await using var writer = await WriteBlobAsync(content);
        var results = await Store.Mailboxes.AppendAsync([Request(mailbox, writer.BlobId, content.Length, prefix, flags, deliveryKey, keywords)], writer, None);
        return results.Single().Uid;
    }

    protected AppendRequest Request(MailboxInfo mailbox, string blobId, long size, string prefix = "", MessageFlags flags = MessageFlags.None, string? deliveryKey = null, params string[] keywords) =>
        new(mailbox.Id, blobId, size, Content(prefix), flags, keywords, Time.GetUtcNow(), deliveryKey);

    protected async Task<byte[]?> ReadMessageAsync(MailboxInfo mailbox, uint uid) =>
        await Store.Mailboxes.OpenMessageAsync(mailbox.Id, uid, None) is { } stream ? await ReadAllAsync(stream) : null;

    protected async Task<IReadOnlyList<MessageInfo>> MessagesAsync(MailboxInfo mailbox) =>
        await Store.Mailboxes.ListMessagesAsync(mailbox.Id, None);
}
