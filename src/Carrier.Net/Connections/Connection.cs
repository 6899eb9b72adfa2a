using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Carrier.Net.Connections;

/// <summary>
/// One accepted client connection: a duplex pipe over the socket (or over TLS once upgraded),
/// its deadlines, and the reason it was interrupted, if it was.
/// </summary>
/// <remarks>
/// Timeouts and shutdown interrupt a session by cancelling its pending read
/// (<see cref="PipeReader.CancelPendingRead"/>); the session then sees <see cref="Interruption"/>
/// and answers in its own protocol (421, BYE, -ERR) before closing. A session that does not
/// react in time is aborted by the heartbeat.
/// </remarks>
public sealed class Connection : IAsyncDisposable
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    // If a session ignores an interruption this long, the socket is closed under it.
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(10);

    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _aborted = new();
    private Stream _stream;
    private long _idleDeadline;
    private readonly long _sessionDeadline;
    private long _abortDeadline = long.MaxValue;
    private int _interruption;

    public Connection(string id, Socket socket, TimeProvider time, ConnectionTimeouts timeouts)
    {
        Id = id;
        _socket = socket;
        _time = time;
        Timeouts = timeouts;
        RemoteEndPoint = Unmap((IPEndPoint)socket.RemoteEndPoint!);
        LocalEndPoint = Unmap((IPEndPoint)socket.LocalEndPoint!);
        _stream = new NetworkStream(socket, ownsSocket: false);
        Input = PipeReader.Create(_stream, ReaderOptions);
        Output = PipeWriter.Create(_stream, WriterOptions);
        long now = time.GetTimestamp();
        _idleDeadline = now + ToTicks(timeouts.Idle);
        _sessionDeadline = now + ToTicks(timeouts.Session);
    }

    public string Id { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public ConnectionTimeouts Timeouts { get; }

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    public bool IsTls => _stream is SslStream;

    public SslProtocols TlsProtocol => _stream is SslStream ssl ? ssl.SslProtocol : SslProtocols.None;

    public string? TlsCipherSuite => _stream is SslStream ssl ? ssl.NegotiatedCipherSuite.ToString() : null;

    /// <summary>Why the session's read was interrupted, or <see cref="ConnectionInterruption.None"/>.</summary>
    public ConnectionInterruption Interruption => (ConnectionInterruption)Volatile.Read(ref _interruption);

    /// <summary>Cancelled when the connection is aborted; pass it to long operations done for this session.</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Starts a new idle period; call it whenever the client has sent something.</summary>
    public void ExtendIdleDeadline() => ExtendIdleDeadline(Timeouts.Idle);

    public void ExtendIdleDeadline(TimeSpan idle) =>
        Volatile.Write(ref _idleDeadline, _time.GetTimestamp() + ToTicks(idle));

    /// <summary>
    /// Acknowledges the client's next segments at once instead of after the delayed-ACK timer (Linux
    /// TCP_QUICKACK; nothing elsewhere). Call it after asking the client for more data that it may send in
    /// two writes: a client with Nagle's algorithm holds its second write until the first is acknowledged,
    /// and a server that delays that acknowledgement (it has nothing to answer yet) stalls both for the
    /// timer, about 40 ms. The kernel clears the setting by itself, so it is asked for each time.
    /// </summary>
    public void AcknowledgePromptly()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            // The connection is going away; the next read reports it.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Asks the session to finish its current work and close (graceful shutdown).</summary>
    public void RequestShutdown() => Interrupt(ConnectionInterruption.Shutdown);

    /// <summary>Called once a second by <see cref="Heartbeat"/>.</summary>
    internal void OnHeartbeat(long now)
    {
        if (now >= Volatile.Read(ref _abortDeadline))
        {
            Abort();
            return;
        }

        if (now >= Volatile.Read(ref _idleDeadline) || now >= _sessionDeadline)
        {
            Interrupt(ConnectionInterruption.Timeout);
        }
    }

    private void Interrupt(ConnectionInterruption reason)
    {
        if (Interlocked.CompareExchange(ref _interruption, (int)reason, (int)ConnectionInterruption.None) == (int)ConnectionInterruption.None)
        {
            Volatile.Write(ref _abortDeadline, _time.GetTimestamp() + ToTicks(AbortGrace));
            Input.CancelPendingRead();
        }
    }

    /// <summary>
    /// Clears an interruption the session has decided to ride out (for example a shutdown
    /// that arrives in the middle of a message the session will finish first).
    /// </summary>
    public void AcknowledgeShutdown()
    {
        Volatile.Write(ref _abortDeadline, long.MaxValue);
    }

    /// <summary>Closes the socket at once; pending reads and writes fail.</summary>
    public void Abort()
    {
        if (!_aborted.IsCancellationRequested)
        {
            try
            {
                _aborted.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }

            _socket.Close();
        }
    }

    /// <summary>
    /// Replaces the transport with TLS (STARTTLS, or implicit TLS right after accept).
    /// </summary>
    /// <remarks>
    /// Anything the client sent after the command that asked for TLS is discarded with the old
    /// pipe: RFC 3207 §4.2 forbids acting on it, and doing so is the STARTTLS command-injection flaw.
    /// </remarks>
    public async Task UpgradeToTlsAsync(SslServerAuthenticationOptions options, CancellationToken cancellationToken)
    {
        if (IsTls)
        {
            throw new InvalidOperationException("The connection already uses TLS.");
        }

        await Output.FlushAsync(cancellationToken);
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(options, cancellationToken);
        _stream = ssl;
        Input = PipeReader.Create(ssl, ReaderOptions);
        Output = PipeWriter.Create(ssl, WriterOptions);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Output.CompleteAsync();
            await Input.CompleteAsync();

            // A TLS session ends with close_notify, so the client can tell a finished session from a cut one.
            if (_stream is SslStream ssl && !_aborted.IsCancellationRequested)
            {
                await ssl.ShutdownAsync().WaitAsync(TimeSpan.FromSeconds(1));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or TimeoutException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
        {
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
        _aborted.Dispose();
    }

    private long ToTicks(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan ? long.MaxValue / 2 : (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static IPEndPoint Unmap(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}

public enum ConnectionInterruption
{
    None,
    Timeout,
    Shutdown,
}

/// <summary>How long a connection may stay silent, and how long it may live at all.</summary>
public sealed record ConnectionTimeouts(TimeSpan Idle, TimeSpan Session);
