using System.Buffers;
using System.IO.Pipelines;
using Carrier.Directory;
using Carrier.Imap.Protocol;
using Carrier.Net.Connections;
using Carrier.Net.Framing;
using Carrier.Sasl;
using Carrier.Store;
using Carrier.Store.Accounts;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Microsoft.Extensions.Logging;

namespace Carrier.Imap.Server;

/// <summary>
/// One IMAP session (RFC 9051, with RFC 3501 behaviour for clients that do not enable IMAP4rev2). The read loop
/// frames commands (<see cref="CommandFramer"/>), the state table decides whether a command may run, and each
/// command has its handler in one of the partial files beside this one.
/// </summary>
/// <remarks>
/// SECURITY: parses untrusted input before authentication. Lines, literals, nesting, errors and login failures
/// are bounded; every failure is a tagged NO or BAD, and only the error budget or a broken connection ends the
/// session early.
/// </remarks>
public sealed partial class ImapSession
{
    private readonly Connection _connection;
    private readonly ImapServerOptions _options;
    private readonly LoginChecks _logins;
    private readonly IMailboxStore _mailboxes;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedMessageLists _lists;
    private readonly MessageHeaderCache _headers;
    private readonly CommandFramer _framer;
    private readonly ResponseWriter _out;
    private readonly RecentMessages _recent;

    private ImapState _state = ImapState.NotAuthenticated;
    private InputMode _mode = InputMode.Command;
    private Account? _account;
    private SelectedMailbox? _selected;
    private ISaslMechanism? _sasl;
    private string _pendingTag = string.Empty;
    private int _errors;
    private int _authFailures;
    private bool _rev2;
    private bool _condStore;
    private bool _qresync;
    private bool _awaitingLiteral;

    public ImapSession(Connection connection, ImapServerOptions options, MailDirectory directory, IMailboxStore mailboxes, IBlobStore blobs, SharedMessageLists lists, MessageHeaderCache headers, TimeProvider time, ILogger logger, RecentMessages recent)
    {
        _recent = recent;
        _lists = lists;
        _headers = headers;
        _connection = connection;
        _options = options;
        _logins = new LoginChecks(directory, options.Guard);
        _mailboxes = mailboxes;
        _blobs = blobs;
        _time = time;
        _logger = logger;
        _framer = new CommandFramer(options.MaxLineLength, options.MaxLiteral, options.MaxMessageSize);
        _out = new ResponseWriter(() => _connection.Output);
    }

    private PipeReader Input => _connection.Input;

    private CancellationToken Aborted => _connection.Aborted;

    private string Client => $"[{_connection.RemoteEndPoint.Address}]";

    private string User => _account?.Address ?? "?";

    public async Task RunAsync()
    {
        try
        {
            _out.Line($"* OK [CAPABILITY {CapabilityList()}] {_options.Hostname} Carrier IMAP ready");
            await _out.FlushAsync(Aborted);
            await ReadLoopAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection broke or was aborted: nothing left to answer.
        }
        catch (Exception e)
        {
            // Outside any command (an AUTHENTICATE response, the end of IDLE): log it and end this session only.
            LogCommandFailed(e, User, _mode.ToString());
        }
        finally
        {
            _selected?.Dispose();
            if (_account is not null)
            {
                LogLogout(_account.Address, Client);
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            if (_mode == InputMode.Idle)
            {
                await SynchronizeAsync(allowExpunge: true);
                await _out.FlushAsync(Aborted);
            }

            var input = Input;
            var result = await input.ReadAsync(Aborted);
            if (result.IsCanceled && _connection.Interruption != ConnectionInterruption.None)
            {
                _out.Line(_connection.Interruption == ConnectionInterruption.Timeout ? "* BYE Autologout; idle for too long" : "* BYE Server shutting down");
                await _out.FlushAsync(Aborted);
                return;
            }

            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                _connection.ExtendIdleDeadline(_account is null ? _connection.Timeouts.Idle : Max(_connection.Timeouts.Idle, _options.AuthenticatedIdle));
            }

            bool close = false;
            while (!close && !buffer.IsEmpty)
            {
                bool progressed;
                (close, progressed) = _mode == InputMode.Command ? await NextCommandAsync(ref buffer) : await NextLineAsync(ref buffer);
                if (!progressed || !ReferenceEquals(input, Input))
                {
                    break;
                }
            }

            if (!ReferenceEquals(input, Input))
            {
                // STARTTLS replaced the transport: what came in the clear after it is dropped (RFC 9051 §6.2.1).
                await _out.FlushAsync(Aborted);
                if (close)
                {
                    return;
                }

                continue;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            await _out.FlushAsync(Aborted);
            if (_awaitingLiteral)
            {
                // imaplib and others send a literal and the CRLF after it in two writes.
                _connection.AcknowledgePromptly();
                _awaitingLiteral = false;
            }

            if (close || result.IsCompleted)
            {
                return;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Frames and handles the next command; returns whether the session ends and whether input was used.</summary>
    private ValueTask<(bool Close, bool Progressed)> NextCommandAsync(ref ReadOnlySequence<byte> buffer)
    {
        var frame = _framer.Next(ref buffer);
        switch (frame.Kind)
        {
            case FrameKind.NeedMoreData:
                return ValueTask.FromResult((false, false));
            case FrameKind.SendContinuation:
                _out.Line("+ Ready for literal data");
                _awaitingLiteral = true;
                return ValueTask.FromResult((false, true));
            case FrameKind.LineTooLong:
                LogProtocolError(Client, "line too long");
                return ValueTask.FromResult((Bad(frame.Tag ?? "*", $"Line too long (limit {_options.MaxLineLength} octets)"), true));
            case FrameKind.LiteralTooLarge:
                LogProtocolError(Client, "literal too large");
                _out.Line($"{frame.Tag ?? "*"} NO [TOOBIG] Literal too large");
                return ValueTask.FromResult((CountError(), true));
            case FrameKind.NonSynchronizingLiteralTooLarge:
                LogProtocolError(Client, "non-synchronizing literal too large");
                _out.Line($"{frame.Tag ?? "*"} BAD [TOOBIG] Literal too large");
                _out.Line("* BYE Too large a non-synchronizing literal; closing");
                return ValueTask.FromResult((true, true));
            default:
                return HandleAndContinueAsync(frame.Command!);
        }
    }

    private async ValueTask<(bool Close, bool Progressed)> HandleAndContinueAsync(byte[] command) => (await HandleCommandAsync(command), true);

    private ValueTask<(bool Close, bool Progressed)> NextLineAsync(ref ReadOnlySequence<byte> buffer)
    {
        var status = _framer.NextLine(ref buffer, out byte[] line);
        if (status == LineStatus.Incomplete)
        {
            return ValueTask.FromResult((false, false));
        }

        if (status == LineStatus.TooLong)
        {
            _mode = InputMode.Command;
            _sasl = null;
            return ValueTask.FromResult((Bad(_pendingTag, "Line too long"), true));
        }

        return _mode == InputMode.Idle ? EndIdleAsync(line) : ContinueSaslAsync(line);
    }

    private async Task<bool> HandleCommandAsync(byte[] command)
    {
        var reader = new ImapReader(command);
        if (!reader.TryReadTag(out string tag) || !reader.Space())
        {
            LogProtocolError(Client, "no tag");
            return Bad("*", "Every command starts with a tag and a space");
        }

        if (!reader.TryReadAtom(out string name))
        {
            return Bad(tag, "Missing command name");
        }

        name = name.ToUpperInvariant();
        if (!ImapStateTable.IsKnown(name))
        {
            return Bad(tag, "Unknown command");
        }

        if (!ImapStateTable.IsAllowed(name, _state))
        {
            return Bad(tag, _state == ImapState.NotAuthenticated ? "Log in first" : $"{name} is not allowed now");
        }

        var context = new CommandContext(tag, name, reader);
        try
        {
            return await DispatchAsync(context);
        }
        catch (StoreException e)
        {
            LogStoreError(e, User, name);
            _out.Line($"{tag} NO [SERVERUNAVAILABLE] {name} failed in the mail store; try again");
            return false;
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException or ObjectDisposedException))
        {
            // A fault of this server, not of the client: the client gets a tagged NO and the session goes on.
            LogCommandFailed(e, User, name);
            _mode = InputMode.Command;
            _out.Line($"{tag} NO [SERVERBUG] {name} failed; the server logged why");
            return false;
        }
    }

    private Task<bool> DispatchAsync(CommandContext command) => command.Name switch
    {
        "CAPABILITY" => Task.FromResult(Capability(command)),
        "NOOP" => NoopAsync(command),
        "LOGOUT" => Task.FromResult(Logout(command)),
        "ID" => Task.FromResult(Id(command)),
        "STARTTLS" => StartTlsAsync(command),
        "LOGIN" => LoginAsync(command),
        "AUTHENTICATE" => AuthenticateAsync(command),
        "ENABLE" => Task.FromResult(Enable(command)),
        "NAMESPACE" => Task.FromResult(Namespace(command)),
        "SELECT" => SelectAsync(command, readOnly: false),
        "EXAMINE" => SelectAsync(command, readOnly: true),
        "CREATE" => CreateAsync(command),
        "DELETE" => DeleteAsync(command),
        "RENAME" => RenameAsync(command),
        "SUBSCRIBE" => SubscribeAsync(command, subscribe: true),
        "UNSUBSCRIBE" => SubscribeAsync(command, subscribe: false),
        "LIST" => ListAsync(command, lsub: false),
        "LSUB" => ListAsync(command, lsub: true),
        "STATUS" => StatusAsync(command),
        "APPEND" => AppendAsync(command),
        "IDLE" => IdleAsync(command),
        "CHECK" => NoopAsync(command),
        "CLOSE" => CloseAsync(command, expunge: true),
        "UNSELECT" => CloseAsync(command, expunge: false),
        "EXPUNGE" => ExpungeAsync(command, uid: false),
        "UID" => UidAsync(command),
        _ => SelectedCommandAsync(command, uid: false),
    };

    private Task<bool> UidAsync(CommandContext command)
    {
        if (!command.Args.Space() || !command.Args.TryReadAtom(out string name))
        {
            return Task.FromResult(Bad(command.Tag, "UID needs a command: FETCH, SEARCH, SORT, THREAD, STORE, COPY, MOVE or EXPUNGE"));
        }

        var inner = command with { Name = name.ToUpperInvariant() };
        return inner.Name == "EXPUNGE" ? ExpungeAsync(inner, uid: true) : SelectedCommandAsync(inner, uid: true);
    }

    private Task<bool> SelectedCommandAsync(CommandContext command, bool uid) => command.Name switch
    {
        "FETCH" => FetchAsync(command, uid),
        "SEARCH" => SearchAsync(command, uid),
        "STORE" => StoreAsync(command, uid),
        "COPY" => CopyAsync(command, uid, move: false),
        "MOVE" => CopyAsync(command, uid, move: true),
        "SORT" => SortAsync(command, uid),
        "THREAD" => ThreadAsync(command, uid),
        _ => Task.FromResult(Bad(command.Tag, "UID needs a command: FETCH, SEARCH, SORT, THREAD, STORE, COPY, MOVE or EXPUNGE")),
    };

    private async Task<bool> NoopAsync(CommandContext command)
    {
        if (!command.Args.AtEnd)
        {
            return Bad(command.Tag, $"{command.Name} takes no arguments");
        }

        await SynchronizeAsync(allowExpunge: true);
        return Ok(command, $"{command.Name} completed");
    }

    private bool Logout(CommandContext command)
    {
        _out.Line("* BYE Logging out");
        _out.Line($"{command.Tag} OK LOGOUT completed");
        _state = ImapState.Logout;
        return true;
    }

    /// <summary>Writes a tagged OK; returns false (the session goes on), for use as a handler's result.</summary>
    private bool Ok(CommandContext command, string text)
    {
        _out.Line($"{command.Tag} OK {text}");
        return false;
    }

    private bool No(CommandContext command, string text)
    {
        _out.Line($"{command.Tag} NO {text}");
        return false;
    }

    /// <summary>Answers BAD and counts it; returns true when the error budget ends the session.</summary>
    private bool Bad(string tag, string text)
    {
        _out.Line($"{tag} BAD {text}");
        return CountError();
    }

    private bool CountError()
    {
        _errors++;
        if (_errors < _options.MaxErrors)
        {
            return false;
        }

        LogTooManyErrors(Client, User);
        _out.Line("* BYE Too many errors, disconnecting");
        return true;
    }

    private bool BadSyntax(CommandContext command, string syntax) => Bad(command.Tag, $"Syntax: {syntax}");

    /// <summary>A command with its tag and the reader positioned after the command name.</summary>
    private sealed record CommandContext(string Tag, string Name, ImapReader Args);

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "imap login: user=<{User}>, rip={Client}, method={Method}")]
    private partial void LogLogin(string user, string client, string method);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "imap login failed: user=<{User}>, rip={Client}: {Reason}")]
    private partial void LogLoginFailed(string user, string client, string reason);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "imap disconnect: user=<{User}>, rip={Client}")]
    private partial void LogLogout(string user, string client);

    [LoggerMessage(EventId = 803, Level = LogLevel.Warning, Message = "imap protocol error: rip={Client}: {Problem}")]
    private partial void LogProtocolError(string client, string problem);

    [LoggerMessage(EventId = 804, Level = LogLevel.Warning, Message = "imap session closed: rip={Client}, user=<{User}>: too many errors")]
    private partial void LogTooManyErrors(string client, string user);

    [LoggerMessage(EventId = 805, Level = LogLevel.Error, Message = "imap store failure: user=<{User}>, command={Command}")]
    private partial void LogStoreError(Exception exception, string user, string command);

    [LoggerMessage(EventId = 807, Level = LogLevel.Error, Message = "imap command failed: user=<{User}>, command={Command}")]
    private partial void LogCommandFailed(Exception exception, string user, string command);

    [LoggerMessage(EventId = 806, Level = LogLevel.Information, Message = "imap {Operation}: user=<{User}>, mailbox={Mailbox}")]
    private partial void LogMailboxOperation(string operation, string user, string mailbox);
}
