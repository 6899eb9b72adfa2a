using System.Collections.Concurrent;

namespace Carrier.Net.Connections;

/// <summary>
/// One timer for every connection's deadlines: a tick a second walks the open connections,
/// instead of a timer per read (the approach of Kestrel's heartbeat).
/// </summary>
public sealed class Heartbeat : IDisposable
{
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public Heartbeat(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public void Register(Connection connection) => _connections.TryAdd(connection, 0);

    public void Unregister(Connection connection) => _connections.TryRemove(connection, out _);

    private void Tick()
    {
        long now = _time.GetTimestamp();
        foreach (var connection in _connections.Keys)
        {
            connection.OnHeartbeat(now);
        }
    }

    public void Dispose() => _timer.Dispose();
}
