using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Carrier.Net.Framing;
using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Client;

/// <summary>
/// One outbound SMTP session with a server: connect, greeting, EHLO (falling back to HELO), STARTTLS as the
/// destination's TLS policy asks, then any number of transactions with PIPELINING when offered. Session-level failures throw
/// <see cref="SmtpClientException"/>; per-recipient answers come back as replies.
/// </summary>
/// <remarks>SECURITY: parses replies from arbitrary remote servers; replies are bounded by <see cref="SmtpReplyParser"/>.</remarks>
public sealed class SmtpClientConnection : IAsyncDisposable
{
    private const int ContentChunk = 32 * 1024;

    private readonly Socket _socket;
    private readonly SmtpClientOptions _options;
    private Stream _stream;
    private PipeReader _input;
    private PipeWriter _output;
    private bool _broken;

    private SmtpClientConnection(Socket socket, string hostName, IPEndPoint remote, SmtpClientOptions options)
    {
        _socket = socket;
        _options = options;
        HostName = hostName;
        Remote = remote;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>The MX host name this connection went to (for logs and DSNs).</summary>
    public string HostName { get; }

    public IPEndPoint Remote { get; }

    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;

    public SmtpReply? Greeting { get; private set; }

    /// <summary>"TLSv1.3 with cipher …" once STARTTLS succeeded, else null.</summary>
    public string? TlsDescription { get; private set; }

    /// <summary>What the server's certificate proved, once STARTTLS succeeded.</summary>
    public TlsTrust? Trust { get; private set; }

    /// <summary>The TLS policy this session was opened under.</summary>
    public OutboundTlsPolicy TlsPolicy { get; private set; } = OutboundTlsPolicy.None;

    /// <summary>False after a protocol error, a timeout or a closed connection: it must not be reused.</summary>
    public bool IsUsable => !_broken && _socket.Connected;

    /// <summary>As in logs: <c>mx.example.org[192.0.2.1]:25</c>.</summary>
    public string Description => $"{HostName}[{Remote.Address}]:{Remote.Port}";

    /// <summary>Connects, reads the greeting and says EHLO, then STARTTLS as <paramref name="tls"/> asks.</summary>
    public static async Task<SmtpClientConnection> ConnectAsync(string hostName, IPEndPoint remote, SmtpClientOptions options, OutboundTlsPolicy tls, CancellationToken cancellationToken)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(remote, connectTimeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SmtpClientException(SmtpClientStage.Connect, $"connect to {hostName}[{remote.Address}]:{remote.Port}: Connection timed out");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SmtpClientException(SmtpClientStage.Connect, $"connect to {hostName}[{remote.Address}]:{remote.Port}: {Describe(e)}", inner: e);
        }

        var connection = new SmtpClientConnection(socket, hostName, remote, options);
        try
        {
            await connection.OpenSessionAsync(tls, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task OpenSessionAsync(OutboundTlsPolicy tls, CancellationToken cancellationToken)
    {
        TlsPolicy = tls;
        Greeting = await ReadReplyAsync(SmtpClientStage.Greeting, _options.GreetingTimeout, cancellationToken);
        if (Greeting.Code != 220)
        {
            throw new SmtpClientException(SmtpClientStage.Greeting, $"host {Description} refused to talk to me: {Greeting}", Greeting);
        }

        await HelloAsync(cancellationToken);
        if (tls.Level == TlsLevel.None)
        {
            return;
        }

        if (!Capabilities.StartTls)
        {
            // RFC 3207 §4: a client that requires TLS and is not offered it must not send the mail in clear.
            RefuseWithoutTls(tls, $"TLS is required, but was not offered by host {Description}");
            return;
        }

        var reply = await CommandAsync("STARTTLS", SmtpClientStage.StartTls, _options.CommandTimeout, cancellationToken);
        if (reply.Code != 220)
        {
            // The offer was withdrawn: opportunistic TLS goes on in plain text.
            RefuseWithoutTls(tls, $"TLS is required, but host {Description} refused STARTTLS: {reply}");
            return;
        }

        await UpgradeAsync(tls, cancellationToken);
        await HelloAsync(cancellationToken);
    }

    private void RefuseWithoutTls(OutboundTlsPolicy tls, string reason)
    {
        if (tls.RequiresTls)
        {
            _broken = true;
            throw new SmtpClientException(SmtpClientStage.TlsRequired, $"{reason} (TLS policy {tls})");
        }
    }

    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var ehlo = await CommandAsync($"EHLO {_options.HeloName}", SmtpClientStage.Hello, _options.CommandTimeout, cancellationToken);
        if (ehlo.Code == 250)
        {
            Capabilities = SmtpCapabilities.FromEhlo(ehlo);
            return;
        }

        if (ehlo.Code == 421)
        {
            throw new SmtpClientException(SmtpClientStage.Hello, $"host {Description} said: {ehlo}", ehlo);
        }

        // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
        var helo = await CommandAsync($"HELO {_options.HeloName}", SmtpClientStage.Hello, _options.CommandTimeout, cancellationToken);
        if (helo.Code != 250)
        {
            throw new SmtpClientException(SmtpClientStage.Hello, $"host {Description} refused HELO: {helo}", helo);
        }

        Capabilities = SmtpCapabilities.None;
    }

    private async Task UpgradeAsync(OutboundTlsPolicy tls, CancellationToken cancellationToken)
    {
        // Anything the server sent after its 220 is discarded with the old pipe (RFC 3207 §4.2).
        await _input.CompleteAsync();
        await _output.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        var checker = new ServerCertificateCheck(HostName, tls, _options.TrustedRoots);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.CommandTimeout);
            await ssl.AuthenticateAsClientAsync(checker.ClientOptions(), timeout.Token);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
        {
            _broken = true;
            if (checker.Refusal is { } refusal)
            {
                throw new SmtpClientException(SmtpClientStage.TlsVerification, $"server certificate not verified for {Description}: {refusal} (TLS policy {tls})", inner: e);
            }

            var stage = tls.RequiresTls ? SmtpClientStage.TlsRequired : SmtpClientStage.StartTls;
            throw new SmtpClientException(stage, $"TLS handshake with {Description} failed: {e.Message}", inner: e);
        }

        _stream = ssl;
        _input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
        Trust = checker.Trust;
        TlsDescription = $"{ssl.SslProtocol} with cipher {ssl.NegotiatedCipherSuite}";
    }

    /// <summary>
    /// Runs one transaction: MAIL, every RCPT and DATA (pipelined when the server offers it), then the content.
    /// DATA is skipped when no recipient was accepted.
    /// </summary>
    public async Task<TransactionResult> SendAsync(OutboundEnvelope envelope, Func<CancellationToken, ValueTask<Stream>> openContent, CancellationToken cancellationToken)
    {
        string mail = MailCommand(envelope);
        var rcpts = envelope.Recipients.Select(RcptCommand).ToList();
        SmtpReply mailReply;
        var replies = new List<SmtpReply>(rcpts.Count);
        SmtpReply? dataReply = null;
        if (Capabilities.Pipelining)
        {
            Write(mail);
            foreach (string rcpt in rcpts)
            {
                Write(rcpt);
            }

            Write("DATA");
            await FlushAsync(cancellationToken);
            mailReply = await ReadReplyAsync(SmtpClientStage.Transaction, _options.CommandTimeout, cancellationToken);
            foreach (var _ in rcpts)
            {
                replies.Add(await ReadReplyAsync(SmtpClientStage.Transaction, _options.CommandTimeout, cancellationToken));
            }

            dataReply = await ReadReplyAsync(SmtpClientStage.Transaction, _options.DataInitiationTimeout, cancellationToken);
        }
        else
        {
            mailReply = await CommandAsync(mail, SmtpClientStage.Transaction, _options.CommandTimeout, cancellationToken);
            if (mailReply.IsPositive)
            {
                foreach (string rcpt in rcpts)
                {
                    replies.Add(await CommandAsync(rcpt, SmtpClientStage.Transaction, _options.CommandTimeout, cancellationToken));
                }

                if (replies.Any(r => r.IsPositive))
                {
                    dataReply = await CommandAsync("DATA", SmtpClientStage.Transaction, _options.DataInitiationTimeout, cancellationToken);
                }
            }
        }

        if (!mailReply.IsPositive)
        {
            await FinishRefusedDataAsync(dataReply, cancellationToken);
            return new TransactionResult(mailReply, [.. envelope.Recipients.Select(_ => mailReply)], null);
        }

        if (!replies.Any(r => r.IsPositive))
        {
            await FinishRefusedDataAsync(dataReply, cancellationToken);
            return new TransactionResult(mailReply, replies, null);
        }

        if (dataReply is null || dataReply.Code != 354)
        {
            return new TransactionResult(mailReply, replies, dataReply);
        }

        await WriteContentAsync(openContent, cancellationToken);
        var final = await ReadReplyAsync(SmtpClientStage.Transaction, _options.DataTerminationTimeout, cancellationToken);
        return new TransactionResult(mailReply, replies, final);
    }

    /// <summary>Ends a transaction that will not carry content: an unexpected 354 gets an empty message closed at once, then RSET.</summary>
    private async Task FinishRefusedDataAsync(SmtpReply? dataReply, CancellationToken cancellationToken)
    {
        if (dataReply?.Code == 354)
        {
            // RFC 2920 §3.1: the server accepted DATA although no recipient was; close the (empty) data at once.
            Write(".");
            await FlushAsync(cancellationToken);
            await ReadReplyAsync(SmtpClientStage.Transaction, _options.DataTerminationTimeout, cancellationToken);
        }

        await ResetAsync(cancellationToken);
    }

    /// <summary>RSET; returns false (and marks the connection unusable) if the server does not agree.</summary>
    public async Task<bool> ResetAsync(CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("RSET", SmtpClientStage.Transaction, _options.CommandTimeout, cancellationToken);
        if (!reply.IsPositive)
        {
            _broken = true;
        }

        return reply.IsPositive;
    }

    /// <summary>Says QUIT and waits briefly for the 221; failures are ignored, the session is over either way.</summary>
    public async Task QuitAsync()
    {
        if (!IsUsable)
        {
            return;
        }

        try
        {
            await CommandAsync("QUIT", SmtpClientStage.Transaction, TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (SmtpClientException)
        {
        }

        _broken = true;
    }

    private string MailCommand(OutboundEnvelope envelope)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(envelope.Sender).Append('>');
        if (Capabilities.MaxSize is not null)
        {
            command.Append(" SIZE=").Append(envelope.Size);
        }

        if (envelope.EightBit && Capabilities.EightBitMime)
        {
            command.Append(" BODY=8BITMIME");
        }

        if (envelope.SmtpUtf8 && Capabilities.SmtpUtf8)
        {
            command.Append(" SMTPUTF8");
        }

        if (Capabilities.Dsn)
        {
            if (envelope.DsnReturn is { } ret)
            {
                command.Append(" RET=").Append(ret);
            }

            if (envelope.EnvelopeId is { } envid)
            {
                command.Append(" ENVID=").Append(Xtext.Encode(envid));
            }
        }

        return command.ToString();
    }

    private string RcptCommand(OutboundRecipient recipient)
    {
        var command = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (Capabilities.Dsn)
        {
            if (recipient.Notify is { } notify)
            {
                command.Append(" NOTIFY=").Append(notify);
            }

            if (recipient.OriginalRecipient is { } orcpt && orcpt.IndexOf(';', StringComparison.Ordinal) is > 0 and var semicolon)
            {
                command.Append(" ORCPT=").Append(orcpt[..semicolon]).Append(';').Append(Xtext.Encode(orcpt[(semicolon + 1)..]));
            }
        }

        return command.ToString();
    }

    private async Task WriteContentAsync(Func<CancellationToken, ValueTask<Stream>> openContent, CancellationToken cancellationToken)
    {
        var encoder = new DotStuffingEncoder();
        var buffer = ArrayPool<byte>.Shared.Rent(ContentChunk);
        try
        {
            await using var content = await openContent(cancellationToken);
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, ContentChunk), cancellationToken)) > 0)
            {
                encoder.Encode(buffer.AsSpan(0, read), _output);
                await FlushAsync(cancellationToken, _options.DataBlockTimeout);
            }

            encoder.Finish(_output);
            await FlushAsync(cancellationToken, _options.DataBlockTimeout);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<SmtpReply> CommandAsync(string command, SmtpClientStage stage, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Write(command);
        await FlushAsync(cancellationToken);
        return await ReadReplyAsync(stage, timeout, cancellationToken);
    }

    private void Write(string line)
    {
        int max = Encoding.UTF8.GetMaxByteCount(line.Length) + 2;
        var span = _output.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(line, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        _output.Advance(n);
    }

    private async Task FlushAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? _options.CommandTimeout);
        try
        {
            await _output.FlushAsync(limit.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            _broken = true;
            throw new SmtpClientException(SmtpClientStage.Transaction, $"lost connection with {Description} while sending: {Reason(e)}", inner: e);
        }
    }

    private async Task<SmtpReply> ReadReplyAsync(SmtpClientStage stage, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(limit.Token);
                var buffer = result.Buffer;
                var status = SmtpReplyParser.TryParse(ref buffer, out var reply, out string? error);
                switch (status)
                {
                    case ReplyParseStatus.Complete:
                        _input.AdvanceTo(buffer.Start);

                        // RFC 5321 §3.8: 421 means the server is closing the channel.
                        if (reply!.Code == 421)
                        {
                            _broken = true;
                        }

                        return reply;
                    case ReplyParseStatus.Invalid:
                        _broken = true;
                        throw new SmtpClientException(stage, $"protocol error with {Description}: {error}");
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    _broken = true;
                    throw new SmtpClientException(stage, $"lost connection with {Description} while waiting for a reply ({StageName(stage)})");
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _broken = true;
            throw new SmtpClientException(stage, $"conversation with {Description} timed out while waiting for a reply ({StageName(stage)})");
        }
        catch (IOException e)
        {
            _broken = true;
            throw new SmtpClientException(stage, $"lost connection with {Description}: {e.Message}", inner: e);
        }
    }

    private static string StageName(SmtpClientStage stage) => stage switch
    {
        SmtpClientStage.Greeting => "greeting",
        SmtpClientStage.Hello => "EHLO",
        SmtpClientStage.StartTls or SmtpClientStage.TlsRequired or SmtpClientStage.TlsVerification => "STARTTLS",
        _ => "transaction",
    };

    private static string Reason(Exception e) => e is OperationCanceledException ? "timed out" : e.Message;

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.TimedOut => "Connection timed out",
        _ => e.Message,
    };

    public async ValueTask DisposeAsync()
    {
        _broken = true;
        try
        {
            await _output.CompleteAsync();
            await _input.CompleteAsync();
        }
        catch (IOException)
        {
        }

        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
