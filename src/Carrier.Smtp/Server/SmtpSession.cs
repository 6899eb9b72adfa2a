using System.Buffers;
using System.IO.Pipelines;
using Carrier.Net.Connections;
using Carrier.Net.Framing;
using Carrier.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace Carrier.Smtp.Server;

/// <summary>
/// One inbound SMTP session (RFC 5321 with PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
/// CHUNKING and DSN). This file holds the read loop and the framing; the command handlers are in
/// <c>SmtpSession.Commands.cs</c>.
/// </summary>
/// <remarks>
/// Replies are buffered and flushed once every complete command in the input has been answered, which
/// is what RFC 2920 asks of a pipelining server. Content is decoded into a small scratch buffer and
/// streamed to the queue's writer, never held whole in memory.
/// SECURITY: every byte here comes from an unauthenticated client. Lines are bounded by
/// <see cref="SmtpServerOptions.MaxCommandLineLength"/>, content by the size limit, errors by
/// <see cref="SmtpServerOptions.MaxErrors"/>, time by the connection's deadlines.
/// </remarks>
public sealed partial class SmtpSession
{
    private const int ScratchSize = 16 * 1024;

    private readonly Connection _connection;
    private readonly SmtpServerOptions _options;
    private readonly IRecipientPolicy _policy;
    private readonly IMessageSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SmtpSessionContext _context;
    private readonly SessionCounters _counters = new();

    private SmtpPhase _phase = SmtpPhase.Connected;
    private SmtpFraming _framing = SmtpFraming.Command;
    private int _errors;
    private int _deferrals;
    private int _transactions;
    private bool _closeAfterTransaction;

    public SmtpSession(Connection connection, SmtpServerOptions options, IRecipientPolicy policy, IMessageSink sink, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _policy = policy;
        _sink = sink;
        _time = time;
        _logger = logger;
        _context = new SmtpSessionContext
        {
            ConnectionId = connection.Id,
            RemoteEndPoint = connection.RemoteEndPoint,
            LocalEndPoint = connection.LocalEndPoint,
            IsTls = connection.IsTls,
        };
    }

    private PipeReader Input => _connection.Input;

    private PipeWriter Output => _connection.Output;

    public async Task RunAsync()
    {
        LogConnect(_context.ClientDescription);
        _options.ClientConnected?.Invoke(_context);
        try
        {
            Reply(SmtpReplies.Greeting(_options.Hostname));
            await Output.FlushAsync(_connection.Aborted);
            await ReadLoopAsync();
        }
        finally
        {
            await AbandonTransactionAsync();
            LogDisconnect(_context.ClientDescription, _counters.ToString());
        }
    }

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            var input = Input;
            var result = await input.ReadAsync(_connection.Aborted);
            if (result.IsCanceled)
            {
                if (await OnInterruptedAsync())
                {
                    return;
                }

                continue;
            }

            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                _connection.ExtendIdleDeadline();
            }

            var (consumed, close) = await ProcessAsync(buffer);
            if (!ReferenceEquals(input, Input))
            {
                // STARTTLS replaced the transport; the old reader and what it held are gone (RFC 3207 §4.2).
                continue;
            }

            input.AdvanceTo(consumed, buffer.End);
            await Output.FlushAsync(_connection.Aborted);
            if (close)
            {
                return;
            }

            if (result.IsCompleted)
            {
                if (_framing != SmtpFraming.Command || _phase != SmtpPhase.Connected && _phase != SmtpPhase.Greeted)
                {
                    LogLostConnection(_context.ClientDescription, _framing == SmtpFraming.Command ? _phase.ToString() : _framing.ToString());
                }

                return;
            }
        }
    }

    /// <summary>Handles as much of the buffer as forms complete units; returns how far it got and whether to close.</summary>
    private async ValueTask<(SequencePosition Consumed, bool Close)> ProcessAsync(ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            switch (_framing)
            {
                case SmtpFraming.Command:
                    var status = LineReader.TryReadLine(buffer, _options.MaxCommandLineLength, out var line, out var next);
                    switch (status)
                    {
                        case LineStatus.Incomplete:
                            return (buffer.Start, false);
                        case LineStatus.TooLong:
                            _framing = SmtpFraming.SkipLine;
                            continue;
                        case LineStatus.BareLineFeed:
                        case LineStatus.BareCarriageReturn:
                            buffer = buffer.Slice(next);
                            if (Fail(SmtpReplies.BareLineEnd))
                            {
                                return (buffer.Start, true);
                            }

                            continue;
                    }

                    var command = SmtpCommandParser.Parse(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
                    buffer = buffer.Slice(next);
                    var transport = Input;
                    if (await ExecuteAsync(command))
                    {
                        return (buffer.Start, true);
                    }

                    if (!ReferenceEquals(transport, Input))
                    {
                        // Commands pipelined behind STARTTLS came in the clear: never act on them.
                        return (buffer.End, false);
                    }

                    break;

                case SmtpFraming.SkipLine:
                    if (!LineReader.TrySkipLine(buffer, out var afterLine))
                    {
                        return (buffer.End, false);
                    }

                    buffer = buffer.Slice(afterLine);
                    _framing = SmtpFraming.Command;
                    if (Fail(SmtpReplies.LineTooLong))
                    {
                        return (buffer.Start, true);
                    }

                    break;

                case SmtpFraming.Data:
                    buffer = await ReceiveDataAsync(buffer);
                    if (_framing == SmtpFraming.Command && await FinishDataAsync())
                    {
                        return (buffer.Start, true);
                    }

                    break;

                case SmtpFraming.SaslResponse:
                    var (rest, closeAfterSasl, incomplete) = await ReceiveSaslLineAsync(buffer);
                    if (incomplete)
                    {
                        return (buffer.Start, false);
                    }

                    buffer = rest;
                    if (closeAfterSasl)
                    {
                        return (buffer.Start, true);
                    }

                    break;

                case SmtpFraming.Chunk:
                    buffer = await ReceiveChunkAsync(buffer);
                    if (_framing == SmtpFraming.Command && await FinishChunkAsync())
                    {
                        return (buffer.Start, true);
                    }

                    break;
            }
        }

        return (buffer.End, false);
    }

    /// <summary>Decodes DATA content until the buffer ends or CRLF.CRLF is consumed; returns what is left.</summary>
    private async ValueTask<ReadOnlySequence<byte>> ReceiveDataAsync(ReadOnlySequence<byte> buffer)
    {
        var transaction = _transaction!;
        var decoder = transaction.Decoder!;
        while (!buffer.IsEmpty && !decoder.IsComplete)
        {
            // One octet of the scratch buffer is kept for a CR the decoder held back from the previous input.
            var input = buffer.FirstSpan.Length > ScratchSize - 1 ? buffer.FirstSpan[..(ScratchSize - 1)] : buffer.FirstSpan;
            int consumed = decoder.Decode(input, transaction.Scratch, out int written);
            buffer = buffer.Slice(consumed);
            if (written > 0)
            {
                await transaction.Content!.WriteAsync(transaction.Scratch.AsMemory(0, written), _connection.Aborted);
            }
        }

        if (decoder.IsComplete)
        {
            _framing = SmtpFraming.Command;
        }

        return buffer;
    }

    /// <summary>Takes up to the rest of the current BDAT chunk from the buffer; returns what is left.</summary>
    private async ValueTask<ReadOnlySequence<byte>> ReceiveChunkAsync(ReadOnlySequence<byte> buffer)
    {
        var transaction = _transaction;
        while (!buffer.IsEmpty && _chunkRemaining > 0)
        {
            int take = (int)Math.Min(Math.Min(_chunkRemaining, buffer.FirstSpan.Length), ScratchSize - 1);
            if (transaction?.Decoder is { } decoder)
            {
                decoder.Decode(buffer.FirstSpan[..take], transaction.Scratch, out int written);
                if (written > 0)
                {
                    await transaction.Content!.WriteAsync(transaction.Scratch.AsMemory(0, written), _connection.Aborted);
                }
            }

            _chunkRemaining -= take;
            buffer = buffer.Slice(take);
        }

        if (_chunkRemaining == 0)
        {
            _framing = SmtpFraming.Command;
        }

        return buffer;
    }

    /// <summary>A timeout or a shutdown cancelled the read. Returns true to close the session.</summary>
    private async ValueTask<bool> OnInterruptedAsync()
    {
        switch (_connection.Interruption)
        {
            case ConnectionInterruption.Timeout:
                LogTimeout(_context.ClientDescription, _framing == SmtpFraming.Command ? _phase.ToString() : _framing.ToString());
                Reply(SmtpReplies.TimedOut(_options.Hostname));
                await Output.FlushAsync(_connection.Aborted);
                return true;

            case ConnectionInterruption.Shutdown when _framing is SmtpFraming.Data or SmtpFraming.Chunk || _phase == SmtpPhase.Chunking:
                // A message is on its way: finish it, then say goodbye.
                _connection.AcknowledgeShutdown();
                _closeAfterTransaction = true;
                return false;

            default:
                Reply(SmtpReplies.ShuttingDown(_options.Hostname));
                await Output.FlushAsync(_connection.Aborted);
                return true;
        }
    }

    private void Reply(SmtpReply reply)
    {
        reply.WriteTo(Output);
    }

    /// <summary>Sends a negative reply and counts it; returns true when the error limit closes the session.</summary>
    private bool Fail(SmtpReply reply)
    {
        Reply(reply);
        _errors++;
        if (_errors >= _options.MaxErrors)
        {
            LogTooManyErrors(_context.ClientDescription, _errors);
            Reply(SmtpReplies.TooManyErrors);
            return true;
        }

        return false;
    }

    /// <summary>Counts commands for the Postfix-style disconnect line: <c>ehlo=1 mail=1 rcpt=2/3 data=1 quit=1 commands=6/7</c>.</summary>
    private sealed class SessionCounters
    {
        private readonly Dictionary<string, (int Ok, int All)> _counts = [];

        public void Count(string verb, bool ok)
        {
            _counts.TryGetValue(verb, out var count);
            _counts[verb] = (count.Ok + (ok ? 1 : 0), count.All + 1);
        }

        public override string ToString()
        {
            int ok = 0;
            int all = 0;
            var parts = new List<string>();
            foreach (var (verb, count) in _counts)
            {
                ok += count.Ok;
                all += count.All;
                parts.Add(count.Ok == count.All ? $"{verb}={count.Ok}" : $"{verb}={count.Ok}/{count.All}");
            }

            parts.Add(ok == all ? $"commands={ok}" : $"commands={ok}/{all}");
            return string.Join(' ', parts);
        }
    }
}
