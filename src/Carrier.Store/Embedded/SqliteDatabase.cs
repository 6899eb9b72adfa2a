using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Carrier.Store.Embedded;

/// <summary>
/// The embedded database: WAL-mode SQLite with one writer thread that group-commits. Every write is a
/// work item; the writer runs all items waiting at that moment in one transaction (each in its own
/// savepoint, so one failure does not undo the others) and completes them after a single durable commit.
/// </summary>
/// <remarks>
/// With <c>synchronous=FULL</c> a commit in WAL mode is on stable storage when it returns, which is
/// what lets the queue answer 250. Group commit spreads that one fsync over every session waiting at
/// the same moment. Reads use pooled connections and never wait for the writer (WAL readers see the last
/// committed state).
/// <para>
/// Checkpoints (copying the WAL back into the database file) run on a connection of their own, not inside
/// a commit: SQLite's automatic checkpoint would run in whichever commit crosses 1,000 WAL pages and make
/// every session waiting on that batch pay for copying the pages and syncing the database file.
/// </para>
/// </remarks>
internal sealed partial class SqliteDatabase : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writerThread;
    private readonly WalCheckpointer _checkpointer;
    private readonly ILogger _logger;

    private SqliteDatabase(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "carrier-store-writer" };
        _checkpointer = new WalCheckpointer(_connectionString, logger);
    }

    public string Path { get; }

    /// <summary>Opens (creating if needed) and migrates the database, then starts the writer.</summary>
    public static SqliteDatabase Open(string path, ILogger logger)
    {
        var database = new SqliteDatabase(path, logger);
        try
        {
            database._writer.Open();
            database.Execute("PRAGMA journal_mode=WAL;");
            database.Execute("PRAGMA synchronous=FULL;");
            database.Execute("PRAGMA busy_timeout=10000;");
            database.Execute("PRAGMA wal_autocheckpoint=0;");
            Schema.Migrate(database._writer, logger);
        }
        catch
        {
            database._writer.Dispose();
            throw;
        }

        database._writerThread.Start();
        database._checkpointer.Start();
        return database;
    }

    /// <summary>A pooled connection for reading; dispose it when done.</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in the next group commit; completes after the commit is durable.</summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work)
    {
        var item = new WorkItem<T>(work);
        if (!_work.Writer.TryWrite(item))
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(SqliteDatabase)));
        }

        return item.Task;
    }

    public Task WriteAsync(Action<SqliteConnection> work) =>
        WriteAsync<bool>(connection =>
        {
            work(connection);
            return true;
        });

    private void WriterLoop()
    {
        var batch = new List<WorkItem>(MaxBatch);
        while (_work.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _work.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            RunBatch(batch);
        }
    }

    private void RunBatch(List<WorkItem> batch)
    {
        try
        {
            Execute("BEGIN IMMEDIATE;");
        }
        catch (Exception e)
        {
            LogBatchFailed(e, batch.Count);
            foreach (var item in batch)
            {
                item.Fail(e);
            }

            return;
        }

        foreach (var item in batch)
        {
            Execute("SAVEPOINT work;");
            try
            {
                item.Run(_writer);
                Execute("RELEASE work;");
            }
            catch (Exception e)
            {
                Execute("ROLLBACK TO work;");
                Execute("RELEASE work;");
                item.Fail(e);
            }
        }

        try
        {
            Execute("COMMIT;");
        }
        catch (Exception e)
        {
            LogBatchFailed(e, batch.Count);
            try
            {
                Execute("ROLLBACK;");
            }
            catch (SqliteException)
            {
            }

            foreach (var item in batch)
            {
                item.Fail(e);
            }

            return;
        }

        foreach (var item in batch)
        {
            item.Complete();
        }

        _checkpointer.NoteCommit();
    }

    private void Execute(string sql)
    {
        using var command = _writer.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        if (_writerThread.IsAlive)
        {
            await Task.Run(() => _writerThread.Join());
        }

        await _checkpointer.DisposeAsync();
        _writer.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "store: a write batch of {Count} items failed")]
    private partial void LogBatchFailed(Exception exception, int count);

    private abstract class WorkItem
    {
        public abstract void Run(SqliteConnection connection);

        public abstract void Fail(Exception exception);

        public abstract void Complete();
    }

    private sealed class WorkItem<T>(Func<SqliteConnection, T> work) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private bool _failed;

        public Task<T> Task => _completion.Task;

        public override void Run(SqliteConnection connection) => _result = work(connection);

        public override void Fail(Exception exception)
        {
            _failed = true;
            _completion.TrySetException(exception);
        }

        public override void Complete()
        {
            if (!_failed)
            {
                _completion.TrySetResult(_result);
            }
        }
    }
}
