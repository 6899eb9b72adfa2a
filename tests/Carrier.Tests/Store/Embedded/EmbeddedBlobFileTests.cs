using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Tests.Store.Contract;

namespace Carrier.Tests.Store.Embedded;

/// <summary>Where the embedded store keeps content: small blobs in the database, large ones as files under blobs/, and when files go.</summary>
public sealed class EmbeddedBlobFileTests : StoreContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);

    private string[] BlobFiles() =>
        System.IO.Directory.GetFiles(Path.Combine(DataDirectory, EmbeddedStore.BlobDirectoryName), "*", SearchOption.AllDirectories);

    [Fact]
    public async Task Small_content_stays_in_the_database_and_large_content_is_a_file_until_its_last_reference_goes()
    {
        var small = await EnqueueAsync(Content("small"), "a@example.net");
        Assert.Empty(BlobFiles());

        var large = await EnqueueAsync(LargeContent(), "b@example.net");
        string file = Assert.Single(BlobFiles());
        Assert.Equal(large.BlobId, Path.GetFileName(file));
        Assert.Equal(LargeContent(), await File.ReadAllBytesAsync(file));

        Assert.True(await Store.Queue.DeleteAsync(small.Id, None));
        Assert.Single(BlobFiles());
        Assert.True(await Store.Queue.DeleteAsync(large.Id, None));
        Assert.Empty(BlobFiles());
    }

    [Fact]
    public async Task A_large_writer_given_up_removes_its_file()
    {
        await using (var writer = await WriteBlobAsync(LargeContent()))
        {
            Assert.Single(BlobFiles());
        }

        Assert.Empty(BlobFiles());
    }

    [Fact]
    public async Task A_file_left_by_an_interrupted_transfer_is_collected_after_a_day_and_not_before()
    {
        // A transfer cut off mid-way (the process died): a pending record and a file nothing refers to.
        var interrupted = await WriteBlobAsync(LargeContent());
        Assert.Single(BlobFiles());

        Time.Advance(TimeSpan.FromHours(23));
        Assert.True(await Store.Queue.DeleteAsync((await EnqueueAsync(Content("x"), "a@example.net")).Id, None));
        Assert.Single(BlobFiles());

        Time.Advance(TimeSpan.FromHours(2));
        Assert.True(await Store.Queue.DeleteAsync((await EnqueueAsync(Content("y"), "a@example.net")).Id, None));
        Assert.Empty(BlobFiles());
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(interrupted.BlobId, None));

        await interrupted.DisposeAsync();
        Assert.Empty(BlobFiles());
    }
}
