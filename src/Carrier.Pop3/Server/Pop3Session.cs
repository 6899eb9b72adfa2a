using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Carrier.Directory;
using Carrier.Net.Connections;
using Carrier.Net.Framing;
using Carrier.Pop3.Protocol;
using Carrier.Sasl;
using Carrier.Store.Accounts;
using Carrier.Store.Mailboxes;
using Microsoft.Extensions.Logging;

namespace Carrier.Pop3.Server;

/// <summary>
/// One POP3 session (RFC 1939): AUTHORIZATION (USER/PASS, AUTH, CAPA, STLS), TRANSACTION over a snapshot
/// of the INBOX, and UPDATE at QUIT, where deletions take effect. A dropped connection deletes nothing.
/// </summary>
/// <remarks>SECURITY: parses untrusted input before authentication; lines, errors and login failures are bounded.</remarks>
public sealed partial class Pop3Session
{
    private const int ContentChunk = 32 * 1024;

    private readonly Connection _connection;
    private readonly Pop3ServerOptions _options;
    private readonly LoginChecks _logins;
    private readonly IMailboxStore _mailboxes;
    private readonly MaildropLocks _locks;
    private readonly ILogger _logger;

    private Pop3State _state = Pop3State.Authorization;
    private string? _user;
    private ISaslMechanism? _sasl;
    private Account? _account;
    private long _mailboxId;
    private List<Pop3Message> _messages = [];
    private int _errors;
    private int _authFailures;
    private int _retrieved;
    private long _retrievedBytes;

    public Pop3Session(Connection connection, Pop3ServerOptions options, MailDirectory directory, IMailboxStore mailboxes, MaildropLocks locks, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logins = new LoginChecks(directory, options.Guard);
        _mailboxes = mailboxes;
        _locks = locks;
        _logger = logger;
    }

    private enum Pop3State
    {
        Authorization,
        Transaction,
    }

    private PipeReader Input => _connection.Input;

    private PipeWriter Output => _connection.Output;

    private string Client => $"[{_connection.RemoteEndPoint.Address}]";

    public async Task RunAsync()
    {
        try
        {
            Ok($"{_options.Hostname} Carrier POP3 ready");
            await Output.FlushAsync(_connection.Aborted);
            await ReadLoopAsync();
        }
        finally
        {
            if (_account is not null)
            {
                _locks.Release(_account.Id);
                LogDisconnect(_account.Address, Client, _retrieved, _retrievedBytes, "no deletions (session ended without QUIT)");
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        bool skipping = false;
        while (true)
        {
            var input = Input;
            var result = await input.ReadAsync(_connection.Aborted);
            if (result.IsCanceled)
            {
                Err(_connection.Interruption == ConnectionInterruption.Timeout ? "Disconnected for inactivity" : "Server shutting down");
                await Output.FlushAsync(_connection.Aborted);
                return;
            }

            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                _connection.ExtendIdleDeadline();
            }

            bool close = false;
            while (!close)
            {
                if (skipping)
                {
                    if (!LineReader.TrySkipLine(buffer, out var after))
                    {
                        buffer = buffer.Slice(buffer.End);
                        break;
                    }

                    buffer = buffer.Slice(after);
                    skipping = false;

                    // An overlong answer ends an authentication exchange, so the next line is read as a command again.
                    _sasl = null;
                    close = Fail("Line too long");
                    continue;
                }

                var status = LineReader.TryReadLine(buffer, _options.MaxLineLength, out var line, out var next);
                if (status == LineStatus.Incomplete)
                {
                    break;
                }

                if (status == LineStatus.TooLong)
                {
                    skipping = true;
                    continue;
                }

                byte[] bytes = line.ToArray();
                buffer = buffer.Slice(next);
                close = await HandleLineAsync(bytes);
                if (!ReferenceEquals(input, Input))
                {
                    break; // STLS replaced the transport: what was sent in the clear after it is dropped (RFC 2595 §4)
                }
            }

            if (!ReferenceEquals(input, Input))
            {
                if (close)
                {
                    return;
                }

                continue;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            await Output.FlushAsync(_connection.Aborted);
            if (close || result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Handles one line; returns true when the session ends.</summary>
    private async Task<bool> HandleLineAsync(byte[] line)
    {
        if (_sasl is not null)
        {
            return await ContinueSaslAsync(Encoding.ASCII.GetString(line));
        }

        var command = Pop3Command.Parse(line);
        if (command is null)
        {
            return Fail("Unknown command");
        }

        return (_state, command.Verb) switch
        {
            (_, "QUIT") => await QuitAsync(),
            (_, "CAPA") => Capabilities(),
            (Pop3State.Authorization, "USER") => User(command),
            (Pop3State.Authorization, "PASS") => await PassAsync(command),
            (Pop3State.Authorization, "AUTH") => await AuthAsync(command),
            (Pop3State.Authorization, "STLS") => await StartTlsAsync(),
            (Pop3State.Transaction, "STAT") => Stat(),
            (Pop3State.Transaction, "LIST") => List(command),
            (Pop3State.Transaction, "UIDL") => Uidl(command),
            (Pop3State.Transaction, "RETR") => await RetrieveAsync(command, topLines: null),
            (Pop3State.Transaction, "TOP") => await TopAsync(command),
            (Pop3State.Transaction, "DELE") => Delete(command),
            (Pop3State.Transaction, "RSET") => Reset(),
            (Pop3State.Transaction, "NOOP") => Done("Ok"),
            (Pop3State.Authorization, _) => Fail("Not logged in: use USER and PASS, or AUTH"),
            _ => Fail("Command not allowed now"),
        };
    }

    private bool Capabilities()
    {
        Ok("Capability list follows");
        var lines = new List<string> { "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE" };
        if (PlaintextAuthAllowed)
        {
            lines.Add("USER");
            lines.Add("SASL " + string.Join(' ', SaslMechanisms.Names));
        }

        if (_options.StartTls is not null && !_connection.IsTls && _state == Pop3State.Authorization)
        {
            lines.Add("STLS");
        }

        lines.Add("IMPLEMENTATION Carrier");
        foreach (string line in lines)
        {
            WriteLine(line);
        }

        WriteLine(".");
        return false;
    }

    private bool PlaintextAuthAllowed =>
        _options.AllowPlaintextAuth || _connection.IsTls || (_options.PlaintextAuthAllowed?.Invoke(_connection.RemoteEndPoint.Address) ?? false);

    private bool User(Pop3Command command)
    {
        if (!PlaintextAuthAllowed)
        {
            return Fail("[AUTH] Plaintext authentication disallowed on non-secure connections; use STLS first");
        }

        if (command.Arguments.Count != 1)
        {
            return Fail("Syntax: USER name");
        }

        _user = command.Arguments[0];
        return Done("Send your password");
    }

    private async Task<bool> PassAsync(Pop3Command command)
    {
        if (_user is null)
        {
            return Fail("Send USER first");
        }

        if (command.Arguments.Count != 1)
        {
            return Fail("Syntax: PASS password");
        }

        string user = _user;
        _user = null;
        return await LoginAsync(user, command.Arguments[0]);
    }

    private async Task<bool> AuthAsync(Pop3Command command)
    {
        if (command.Arguments.Count == 0)
        {
            // The listing form of RFC 1734, which some clients still use to discover mechanisms.
            Ok("Methods follow");
            foreach (string name in SaslMechanisms.Names)
            {
                WriteLine(name);
            }

            WriteLine(".");
            return false;
        }

        if (!PlaintextAuthAllowed)
        {
            return Fail("[AUTH] Plaintext authentication disallowed on non-secure connections; use STLS first");
        }

        var mechanism = SaslMechanisms.Create(command.Arguments[0]);
        if (mechanism is null)
        {
            return Fail("Unsupported authentication mechanism");
        }

        byte[]? initial = null;
        if (command.Arguments.Count > 1)
        {
            initial = SaslMechanisms.DecodeClientMessage(command.Arguments[1]);
            if (initial is null)
            {
                return Fail("Invalid base64 data");
            }
        }

        _sasl = mechanism;
        return await SaslStepAsync(mechanism.Start(initial));
    }

    private async Task<bool> ContinueSaslAsync(string line)
    {
        var mechanism = _sasl!;
        if (line == "*")
        {
            _sasl = null;
            return Fail("Authentication cancelled");
        }

        byte[]? response = SaslMechanisms.DecodeClientMessage(line);
        if (response is null)
        {
            _sasl = null;
            return Fail("Invalid base64 data");
        }

        return await SaslStepAsync(mechanism.Continue(response));
    }

    private async Task<bool> SaslStepAsync(SaslStep step)
    {
        switch (step)
        {
            case SaslChallenge challenge:
                WriteLine("+ " + Convert.ToBase64String(challenge.Data));
                return false;
            case SaslCredentials credentials:
                _sasl = null;
                if (credentials.AuthorizationId.Length > 0 && !string.Equals(credentials.AuthorizationId, credentials.UserName, StringComparison.OrdinalIgnoreCase))
                {
                    return await FailLoginAsync(credentials.UserName, "authorization identity differs from the user");
                }

                return await LoginAsync(credentials.UserName, credentials.Password);
            case ScramCredentialsNeeded or ScramProofReceived or SaslVerified:
                return await ScramStepAsync(step);
            default:
                _sasl = null;
                return await FailLoginAsync(null, ((SaslFailure)step).Reason);
        }
    }

    private async Task<bool> LoginAsync(string user, string password)
    {
        var (verdict, account) = await _logins.PasswordAsync(_connection.RemoteEndPoint.Address, user, password, _connection.Aborted);
        if (account is null)
        {
            return await FailLoginAsync(user, RefusalReason(verdict));
        }

        return await OpenMaildropAsync(account);
    }

    private static string RefusalReason(LoginVerdict verdict) =>
        verdict == LoginVerdict.Blocked ? "too many recent failures, refused without checking" : "wrong user name or password";

    private async Task<bool> OpenMaildropAsync(Account account)
    {
        if (!_locks.TryAcquire(account.Id))
        {
            LogInUse(account.Address, Client);
            return Fail("[IN-USE] Mailbox is locked by another POP3 session");
        }

        var inbox = await _mailboxes.GetMailboxAsync(account.Id, "INBOX", _connection.Aborted);
        if (inbox is null)
        {
            _locks.Release(account.Id);
            return Fail("[SYS/PERM] The account has no INBOX");
        }

        _account = account;
        _mailboxId = inbox.Id;
        var stored = await _mailboxes.ListMessagesAsync(inbox.Id, _connection.Aborted);
        _messages = [.. stored.Where(m => !m.Flags.HasFlag(MessageFlags.Deleted)).Select(m => new Pop3Message(m.Uid, m.Size, $"{inbox.UidValidity}.{m.Uid}"))];
        _state = Pop3State.Transaction;
        LogLogin(account.Address, Client, _messages.Count);
        return Done($"Logged in, {_messages.Count} message{(_messages.Count == 1 ? string.Empty : "s")}");
    }

    private async Task<bool> FailLoginAsync(string? user, string reason)
    {
        _authFailures++;
        LogLoginFailed(user ?? "?", Client, reason);

        // A short pause makes guessing slow without holding a server resource worth mentioning.
        await Task.Delay(TimeSpan.FromMilliseconds(200 * _authFailures), _connection.Aborted);
        if (_authFailures >= _options.MaxAuthFailures)
        {
            Err("[AUTH] Authentication failed; too many attempts, disconnecting");
            return true;
        }

        return Fail("[AUTH] Authentication failed");
    }

    private async Task<bool> StartTlsAsync()
    {
        if (_options.StartTls is not { } tls || _connection.IsTls || tls() is not { } tlsOptions)
        {
            return Fail("STLS not available");
        }

        Ok("Begin TLS negotiation");
        await Output.FlushAsync(_connection.Aborted);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_connection.Aborted);
        handshake.CancelAfter(TimeSpan.FromSeconds(30));
        await _connection.UpgradeToTlsAsync(tlsOptions, handshake.Token);
        _user = null;
        return false;
    }

    private bool Stat() => Done($"{Live.Count()} {Live.Sum(m => m.Size)}");

    private IEnumerable<Pop3Message> Live => _messages.Where(m => !m.Deleted);

    private bool List(Pop3Command command)
    {
        if (command.Arguments.Count > 0)
        {
            return Lookup(command.Arguments[0], out int number, out var message) is { } error ? Fail(error) : Done($"{number} {message!.Size}");
        }

        Ok($"{Live.Count()} messages ({Live.Sum(m => m.Size)} octets)");
        for (int i = 0; i < _messages.Count; i++)
        {
            if (!_messages[i].Deleted)
            {
                WriteLine($"{i + 1} {_messages[i].Size}");
            }
        }

        WriteLine(".");
        return false;
    }

    private bool Uidl(Pop3Command command)
    {
        if (command.Arguments.Count > 0)
        {
            return Lookup(command.Arguments[0], out int number, out var message) is { } error ? Fail(error) : Done($"{number} {message!.UniqueId}");
        }

        Ok("Unique-ID listing follows");
        for (int i = 0; i < _messages.Count; i++)
        {
            if (!_messages[i].Deleted)
            {
                WriteLine($"{i + 1} {_messages[i].UniqueId}");
            }
        }

        WriteLine(".");
        return false;
    }

    private bool Delete(Pop3Command command)
    {
        if (command.Arguments.Count != 1)
        {
            return Fail("Syntax: DELE msg");
        }

        if (Lookup(command.Arguments[0], out int number, out var message) is { } error)
        {
            return Fail(error);
        }

        message!.Deleted = true;
        return Done($"Message {number} deleted");
    }

    private bool Reset()
    {
        foreach (var message in _messages)
        {
            message.Deleted = false;
        }

        return Done($"{_messages.Count} messages");
    }

    private async Task<bool> TopAsync(Pop3Command command)
    {
        if (command.Arguments.Count != 2 || !int.TryParse(command.Arguments[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int lines))
        {
            return Fail("Syntax: TOP msg lines");
        }

        return await RetrieveAsync(command, lines);
    }

    private async Task<bool> RetrieveAsync(Pop3Command command, int? topLines)
    {
        if (command.Arguments.Count == 0)
        {
            return Fail(topLines is null ? "Syntax: RETR msg" : "Syntax: TOP msg lines");
        }

        if (Lookup(command.Arguments[0], out _, out var message) is { } error)
        {
            return Fail(error);
        }

        await using var content = await _mailboxes.OpenMessageAsync(_mailboxId, message!.Uid, _connection.Aborted);
        if (content is null)
        {
            return Fail("[SYS/TEMP] The message was removed by another session");
        }

        Ok(topLines is null ? $"{message.Size} octets" : "Top of message follows");
        var encoder = new DotStuffingEncoder();
        var limiter = topLines is { } limit ? new TopLimiter(limit) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(ContentChunk);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, ContentChunk), _connection.Aborted)) > 0)
            {
                int take = limiter?.Take(buffer.AsSpan(0, read)) ?? read;
                encoder.Encode(buffer.AsSpan(0, take), Output);
                await Output.FlushAsync(_connection.Aborted);
                if (limiter?.Done == true)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        encoder.Finish(Output);
        if (topLines is null)
        {
            message.Retrieved = true;
            _retrieved++;
            _retrievedBytes += message.Size;
        }

        return false;
    }

    private async Task<bool> QuitAsync()
    {
        if (_state != Pop3State.Transaction)
        {
            Ok($"{_options.Hostname} Carrier POP3 signing off");
            return true;
        }

        // The UPDATE state (RFC 1939 §6): only now do deletions take effect.
        var deleted = _messages.Where(m => m.Deleted).Select(m => m.Uid).ToList();
        var seen = _messages.Where(m => m.Retrieved && !m.Deleted).Select(m => m.Uid).ToList();
        try
        {
            if (seen.Count > 0)
            {
                await _mailboxes.StoreFlagsAsync(_mailboxId, seen, FlagOperation.Add, MessageFlags.Seen, [], null, _connection.Aborted);
            }

            if (deleted.Count > 0)
            {
                await _mailboxes.StoreFlagsAsync(_mailboxId, deleted, FlagOperation.Add, MessageFlags.Deleted, [], null, _connection.Aborted);
                await _mailboxes.ExpungeAsync(_mailboxId, deleted, _connection.Aborted);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUpdateFailed(e, _account!.Address);
            Err("[SYS/TEMP] Some deleted messages were not removed");
            return true;
        }

        LogDisconnect(_account!.Address, Client, _retrieved, _retrievedBytes, $"deleted {deleted.Count}");
        _locks.Release(_account.Id);
        _account = null;
        Ok($"Logging out, {deleted.Count} message{(deleted.Count == 1 ? string.Empty : "s")} deleted");
        return true;
    }

    /// <summary>Finds a message by number; returns the error text when there is no such live message.</summary>
    private string? Lookup(string argument, out int number, out Pop3Message? message)
    {
        message = null;
        if (!Pop3Command.TryParseNumber(argument, out number) || number > _messages.Count)
        {
            return "No such message";
        }

        if (_messages[number - 1].Deleted)
        {
            return "Message is deleted";
        }

        message = _messages[number - 1];
        return null;
    }

    private bool Done(string text)
    {
        Ok(text);
        return false;
    }

    /// <summary>Answers -ERR and counts the error; returns true when the error limit ends the session.</summary>
    private bool Fail(string text)
    {
        Err(text);
        _errors++;
        LogRefused(Client, text);
        if (_errors >= _options.MaxErrors)
        {
            LogTooManyErrors(_errors, Client);
            Err("Too many errors, disconnecting");
            return true;
        }

        return false;
    }

    private void Ok(string text) => WriteLine("+OK " + text);

    private void Err(string text) => WriteLine("-ERR " + text);

    private void WriteLine(string line)
    {
        var span = Output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 2);
        int n = Encoding.UTF8.GetBytes(line, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        Output.Advance(n);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "login: user=<{User}>, rip={Client}, messages={Messages}")]
    private partial void LogLogin(string user, string client, int messages);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "login failed: user=<{User}>, rip={Client}: {Reason}")]
    private partial void LogLoginFailed(string user, string client, string reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Information, Message = "login refused: user=<{User}>, rip={Client}: mailbox in use by another POP3 session")]
    private partial void LogInUse(string user, string client);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "disconnect: user=<{User}>, rip={Client}, retr={Retrieved}/{Bytes}, {Deleted}")]
    private partial void LogDisconnect(string user, string client, int retrieved, long bytes, string deleted);

    [LoggerMessage(EventId = 704, Level = LogLevel.Error, Message = "update failed for {User}")]
    private partial void LogUpdateFailed(Exception exception, string user);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "refused: rip={Client}: {Reply}")]
    private partial void LogRefused(string client, string reply);

    [LoggerMessage(EventId = 706, Level = LogLevel.Warning, Message = "too many errors ({Errors}) from {Client}, closing")]
    private partial void LogTooManyErrors(int errors, string client);

    /// <summary>One message of the session's snapshot.</summary>
    private sealed class Pop3Message(uint uid, long size, string uniqueId)
    {
        public uint Uid { get; } = uid;

        public long Size { get; } = size;

        public string UniqueId { get; } = uniqueId;

        public bool Deleted { get; set; }

        public bool Retrieved { get; set; }
    }

    /// <summary>Passes the header section and the first N body lines for TOP (RFC 1939 §7).</summary>
    private sealed class TopLimiter(int bodyLines)
    {
        private bool _inBody;
        private bool _atLineStart = true;
        private int _lines;

        public bool Done { get; private set; }

        public int Take(ReadOnlySpan<byte> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                if (!_inBody)
                {
                    if (chunk[i] == (byte)'\n')
                    {
                        if (_atLineStart)
                        {
                            _inBody = true;
                            if (bodyLines == 0)
                            {
                                Done = true;
                                return i + 1;
                            }
                        }

                        _atLineStart = true;
                    }
                    else if (chunk[i] != (byte)'\r')
                    {
                        _atLineStart = false;
                    }
                }
                else if (chunk[i] == (byte)'\n' && ++_lines >= bodyLines)
                {
                    Done = true;
                    return i + 1;
                }
            }

            return chunk.Length;
        }
    }
}
