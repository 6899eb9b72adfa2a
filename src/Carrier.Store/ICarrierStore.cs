using Carrier.Store.Accounts;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Carrier.Store.Queue;

namespace Carrier.Store;

/// <summary>
/// Everything Carrier keeps, as four narrow roles. The embedded implementation (SQLite + files) and a
/// server one (PostgreSQL) satisfy the same contracts and pass the same contract tests.
/// </summary>
public interface ICarrierStore : IAsyncDisposable
{
    IBlobStore Blobs { get; }

    IQueueStore Queue { get; }

    IMailboxStore Mailboxes { get; }

    IAccountStore Accounts { get; }
}
