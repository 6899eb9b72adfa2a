using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Tests.Store.Contract;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Tests.Store.Embedded;

/// <summary>The store contract suite run against the embedded store (SQLite and files).</summary>
internal static class EmbeddedContract
{
    public static ICarrierStore Open(string directory, TimeProvider time) =>
        EmbeddedStore.Open(directory, new EmbeddedStoreOptions(), time, NullLogger.Instance);
}

public sealed class EmbeddedBlobStoreTests : BlobStoreContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);
}

public sealed class EmbeddedQueueStoreTests : QueueStoreContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);
}

public sealed class EmbeddedMailboxMessagesTests : MailboxMessagesContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);
}

public sealed class EmbeddedMailboxManagementTests : MailboxManagementContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);
}

public sealed class EmbeddedAccountStoreTests : AccountStoreContract
{
    protected override ICarrierStore Open(string directory, TimeProvider time) => EmbeddedContract.Open(directory, time);
}
