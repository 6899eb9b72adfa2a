using System.Collections.Concurrent;
using System.Net.Sockets;
using Carrier.Net.Connections;
using Microsoft.Extensions.Logging;

namespace Carrier.Net.Listeners;

/// <summary>
/// Accepts connections on a protocol's endpoints, applies the connection limits and runs
/// each admitted connection's session; on shutdown it stops accepting, asks every session
/// to finish, and aborts the ones that outlive the grace period.
/// </summary>
/// <remarks>
/// SECURITY: this is the first code that touches a remote client. It parses nothing; it bounds
/// how many sessions exist (<see cref="ConnectionLimiter"/>) and how long each lives (<see cref="Heartbeat"/>).
/// </remarks>
public sealed partial class ConnectionListener : IAsyncDisposable
{
    private readonly ListenerOptions _options;
    private readonly ConnectionLimiter _limiter;
    private readonly Heartbeat _heartbeat;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly ConcurrentDictionary<Connection, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _nextConnectionId;

    public ConnectionListener(ListenerOptions options, ConnectionLimiter limiter, Heartbeat heartbeat, TimeProvider time, ILogger logger)
    {
        _options = options;
        _limiter = limiter;
        _heartbeat = heartbeat;
        _time = time;
        _logger = logger;
    }

    /// <summary>The endpoints actually bound (port 0 in configuration becomes the port the system chose).</summary>
    public IReadOnlyList<ListenEndpoint> BoundEndpoints { get; private set; } = [];

    public int OpenConnections => _sessions.Count;

    /// <summary>Binds every endpoint; throws <see cref="ListenerBindException"/> naming the key and the fix.</summary>
    public void Start()
    {
        var bound = new List<ListenEndpoint>();
        foreach (var endpoint in _options.Endpoints)
        {
            var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // [::] accepts IPv4 too, as administrators expect of a wildcard.
                    socket.DualMode = endpoint.Address.Equals(System.Net.IPAddress.IPv6Any);
                }

                socket.Bind(endpoint.ToIPEndPoint());
                socket.Listen(512);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                foreach (var open in _sockets)
                {
                    open.Dispose();
                }

                _sockets.Clear();
                throw new ListenerBindException(_options.ConfigurationKey, endpoint, e);
            }

            _sockets.Add(socket);
            var local = (System.Net.IPEndPoint)socket.LocalEndPoint!;
            bound.Add(new ListenEndpoint(local.Address, local.Port));
            LogListening(_options.Name, bound[^1].ToString());
        }

        BoundEndpoints = bound;
        foreach (var socket in _sockets)
        {
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(socket)));
        }
    }

    private async Task AcceptLoopAsync(Socket listenSocket)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listenSocket.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (SocketException e)
            {
                // Out of descriptors and the like: wait a little instead of spinning.
                LogAcceptFailed(_options.Name, e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, CancellationToken.None);
                continue;
            }

            client.NoDelay = true;
            var remote = ((System.Net.IPEndPoint)client.RemoteEndPoint!).Address;
            if (_options.RateLimit is { } rate && !rate.Limiter.TryAcquire(remote, out int attempts))
            {
                var shown = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
                LogRateExceeded(attempts, shown.ToString(), rate.Limiter.Window.TotalSeconds, _options.Name);
                _ = RefuseAsync(client, rate.Reply(shown));
                continue;
            }

            var admission = _limiter.TryAcquire(remote);
            if (admission != ConnectionAdmission.Admitted)
            {
                LogRefused(_options.Name, remote.ToString(), admission.ToString());
                _ = RefuseAsync(client, _options.TooManyConnectionsReply);
                continue;
            }

            string id = Interlocked.Increment(ref _nextConnectionId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var connection = new Connection(id, client, _time, _options.Timeouts);

            // The session waits until it is registered, so that its own removal cannot race the registration.
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _sessions[connection] = RunSessionAsync(connection, remote, registered.Task);
            registered.SetResult();
        }
    }

    private async Task RunSessionAsync(Connection connection, System.Net.IPAddress remote, Task registered)
    {
        await registered;
        _heartbeat.Register(connection);
        try
        {
            if (_options.ImplicitTls is { } tls && tls() is { } tlsOptions)
            {
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.Aborted);
                handshake.CancelAfter(TimeSpan.FromSeconds(30));
                await connection.UpgradeToTlsAsync(tlsOptions, handshake.Token);
            }

            await _options.Handler.HandleAsync(connection);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            LogConnectionLost(_options.Name, connection.Id, e.Message);
        }
        catch (Exception e)
        {
            LogSessionFailed(e, _options.Name, connection.Id);
        }
        finally
        {
            _heartbeat.Unregister(connection);
            _limiter.Release(remote);
            _sessions.TryRemove(connection, out _);
            await connection.DisposeAsync();
        }
    }

    private static async Task RefuseAsync(Socket client, ReadOnlyMemory<byte> reply)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.SendAsync(reply, SocketFlags.None, timeout.Token);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>
    /// Stops accepting, asks every open session to finish, waits up to <paramref name="grace"/>,
    /// then aborts what is left.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_acceptLoops);
        foreach (var connection in _sessions.Keys)
        {
            connection.RequestShutdown();
        }

        var all = Task.WhenAll(_sessions.Values);
        if (await Task.WhenAny(all, Task.Delay(grace, _time)) != all)
        {
            foreach (var connection in _sessions.Keys)
            {
                connection.Abort();
            }

            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), _time));
        }

        LogStopped(_options.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "listening on {Endpoint} ({Protocol})")]
    private partial void LogListening(string protocol, string endpoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "refused connection from [{Address}] ({Protocol}): {Reason}")]
    private partial void LogRefused(string protocol, string address, string reason);

    // Postfix's wording, which log watchers (fail2ban and the like) already know.
    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Connection rate limit exceeded: {Attempts} from unknown[{Address}] in {WindowSeconds} seconds for service {Protocol}")]
    private partial void LogRateExceeded(int attempts, string address, double windowSeconds, string protocol);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "accept failed ({Protocol}): {Error}")]
    private partial void LogAcceptFailed(string protocol, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "connection {ConnectionId} lost ({Protocol}): {Reason}")]
    private partial void LogConnectionLost(string protocol, string connectionId, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "session {ConnectionId} failed ({Protocol})")]
    private partial void LogSessionFailed(Exception exception, string protocol, string connectionId);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "stopped listening ({Protocol})")]
    private partial void LogStopped(string protocol);
}
