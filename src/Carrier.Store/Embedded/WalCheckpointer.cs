using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Carrier.Store.Embedded;

/// <summary>
/// Copies committed WAL pages into the database file from a connection of its own, shortly after
/// commits, so that no commit waits for a checkpoint.
/// </summary>
/// <remarks>
/// A PASSIVE checkpoint never blocks the writer or readers: it copies what no reader still needs and
/// leaves the rest for the next round. Once a round has copied everything, the writer starts the WAL over
/// from its beginning, so the file stays about as large as the writes of one interval. The interval bounds
/// how often the database file is synced: under load one checkpoint covers many commits.
/// </remarks>
internal sealed partial class WalCheckpointer(string connectionString, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _dirty = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    /// <summary>Called by the writer after each commit; cheap and never blocks.</summary>
    public void NoteCommit()
    {
        if (_dirty.CurrentCount == 0)
        {
            try
            {
                _dirty.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit signalled in between; one pending round covers both.
            }
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        await using var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(stopping);
            while (true)
            {
                await _dirty.WaitAsync(stopping);
                Checkpoint(connection);
                await Task.Delay(Interval, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Checkpoint(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            // A failed round leaves the pages in the WAL, where they are durable; the next round retries.
            LogCheckpointFailed(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
        _dirty.Dispose();
    }

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "store: WAL checkpoint failed; retrying after the next commit")]
    private partial void LogCheckpointFailed(Exception exception);
}
