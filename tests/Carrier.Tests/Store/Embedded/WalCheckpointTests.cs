using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Tests.Store.Contract;

namespace Carrier.Tests.Store.Embedded;

/// <summary>
/// Commits leave checkpoints to a connection of their own; these tests check that the committed pages do
/// reach the database file while the store stays open, and that nothing is lost across a reopen.
/// </summary>
public sealed class WalCheckpointTests : StoreContract
{
    private const int Messages = 200;
    private const int MessageBytes = 8 * 1024;

    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);

    private long DatabaseFileBytes() => new FileInfo(Path.Combine(DataDirectory, EmbeddedStore.DatabaseFileName)).Length;

    [Fact]
    public async Task Committed_pages_are_copied_into_the_database_file_while_the_store_is_open()
    {
        long before = DatabaseFileBytes();
        for (int i = 0; i < Messages; i++)
        {
            await EnqueueAsync(LargeContent(MessageBytes, seed: i), $"r{i}@example.net");
        }

        // The checkpoint runs shortly after the commits, off their path; wait for it (bounded).
        long expected = before + (Messages * MessageBytes);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DatabaseFileBytes() < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(DatabaseFileBytes() >= expected, $"database file is {DatabaseFileBytes()} bytes after {Messages} messages of {MessageBytes} bytes");
    }

    [Fact]
    public async Task Every_message_committed_before_a_reopen_is_there_after_it()
    {
        var queued = new List<string>();
        for (int i = 0; i < Messages; i++)
        {
            queued.Add((await EnqueueAsync(LargeContent(MessageBytes, seed: i), $"r{i}@example.net")).Id);
        }

        await ReopenAsync();

        for (int i = 0; i < Messages; i++)
        {
            var message = await Store.Queue.GetAsync(queued[i], None);
            Assert.NotNull(message);
            Assert.Equal(LargeContent(MessageBytes, seed: i), await ReadBlobAsync(message.Message.BlobId));
        }
    }
}
