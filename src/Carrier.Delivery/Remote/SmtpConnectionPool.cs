using System.Collections.Concurrent;
using System.Net;
using Carrier.Smtp.Client;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Keeps sessions with remote servers open for a short while after a transaction, so that a burst of mail
/// to one destination pays for TCP, greeting, EHLO and TLS once.
/// </summary>
public sealed class SmtpConnectionPool : IAsyncDisposable
{
    private readonly ConcurrentDictionary<IPEndPoint, ConcurrentStack<Pooled>> _idle = new();
    private readonly RemoteDeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public SmtpConnectionPool(RemoteDeliveryOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>An idle session with <paramref name="endpoint"/>, or null.</summary>
    public Lease? Take(IPEndPoint endpoint)
    {
        if (!_idle.TryGetValue(endpoint, out var stack))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        while (stack.TryPop(out var pooled))
        {
            if (pooled.Connection.IsUsable && now - pooled.IdleSince < _options.ConnectionIdleTime)
            {
                return new Lease(pooled.Connection, pooled.Transactions);
            }

            _ = CloseAsync(pooled.Connection);
        }

        return null;
    }

    /// <summary>Gives a session back after a transaction; closes it instead if it is spent or unusable.</summary>
    public async Task ReturnAsync(SmtpClientConnection connection, int transactions)
    {
        if (!connection.IsUsable || transactions >= _options.MaxTransactionsPerConnection)
        {
            await CloseAsync(connection);
            return;
        }

        var stack = _idle.GetOrAdd(connection.Remote, _ => new ConcurrentStack<Pooled>());
        if (stack.Count >= _options.MaxIdlePerAddress)
        {
            await CloseAsync(connection);
            return;
        }

        stack.Push(new Pooled(connection, _time.GetUtcNow(), transactions));
    }

    private async Task SweepAsync()
    {
        var now = _time.GetUtcNow();
        foreach (var stack in _idle.Values)
        {
            var keep = new List<Pooled>();
            while (stack.TryPop(out var pooled))
            {
                if (pooled.Connection.IsUsable && now - pooled.IdleSince < _options.ConnectionIdleTime)
                {
                    keep.Add(pooled);
                }
                else
                {
                    await CloseAsync(pooled.Connection);
                }
            }

            for (int i = keep.Count - 1; i >= 0; i--)
            {
                stack.Push(keep[i]);
            }
        }
    }

    private static async Task CloseAsync(SmtpClientConnection connection)
    {
        try
        {
            await connection.QuitAsync();
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        foreach (var stack in _idle.Values)
        {
            while (stack.TryPop(out var pooled))
            {
                await CloseAsync(pooled.Connection);
            }
        }
    }

    /// <summary>A session taken from the pool, with the transactions it has carried so far.</summary>
    public sealed record Lease(SmtpClientConnection Connection, int Transactions);

    private sealed record Pooled(SmtpClientConnection Connection, DateTimeOffset IdleSince, int Transactions);
}
