using System.Buffers;
using System.Text;
using Carrier.Net.Framing;
using Carrier.Sasl;
using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Server;

public sealed partial class SmtpSession
{
    private static readonly SmtpReply AuthNotEnabled = new(503, "5.5.1", "Error: authentication not enabled");
    private static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Error: authentication required");
    private static readonly SmtpReply StartTlsReady = new(220, "2.0.0", "Ready to start TLS");
    private static readonly SmtpReply TooManyTransactions = new(421, "4.7.0", "Error: too many messages in one session, reconnect");
    private static readonly SmtpReply Help = new(214, "2.0.0", ["Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP", "See RFC 5321"]);

    private Transaction? _transaction;
    private long _chunkRemaining;
    private bool _chunkLast;
    private SmtpReply? _chunkRefusal;

    /// <summary>Runs one parsed command; returns true when the session must close.</summary>
    private async ValueTask<bool> ExecuteAsync(SmtpCommand command)
    {
        if (command is InvalidCommand invalid)
        {
            _counters.Count(invalid.Verb?.ToString().ToLowerInvariant() ?? "unknown", ok: false);
            return Fail(invalid.Reply);
        }

        var verb = VerbOf(command);
        if (SmtpStateTable.Refusal(_phase, verb) is { } refusal)
        {
            if (command is BdatCommand refusedChunk)
            {
                // RFC 3030 §2: the chunk follows the command whatever the reply; read it, then refuse.
                return await BeginChunkAsync(refusedChunk, refusal);
            }

            _counters.Count(verb.ToString().ToLowerInvariant(), ok: false);
            return Fail(refusal);
        }

        switch (command)
        {
            case EhloCommand ehlo:
                await AbandonTransactionAsync();
                _context.HeloName = ehlo.Domain;
                _context.Extended = ehlo.Extended;
                _phase = SmtpPhase.Greeted;
                _counters.Count(ehlo.Extended ? "ehlo" : "helo", ok: true);
                Reply(ehlo.Extended ? EhloReply() : new SmtpReply(250, null, _options.Hostname));
                return false;

            case MailCommand mail:
                return await MailAsync(mail);

            case RcptCommand rcpt:
                return await RcptAsync(rcpt);

            case DataCommand:
                return await BeginDataAsync();

            case BdatCommand chunk:
                return await BeginBdatAsync(chunk);

            case RsetCommand:
                await AbandonTransactionAsync();
                _phase = _context.HeloName is null ? SmtpPhase.Connected : SmtpPhase.Greeted;
                _counters.Count("rset", ok: true);
                Reply(SmtpReplies.ResetOk);
                return false;

            case NoopCommand:
                _counters.Count("noop", ok: true);
                Reply(SmtpReplies.Ok);
                return false;

            case QuitCommand:
                _counters.Count("quit", ok: true);
                Reply(SmtpReplies.Closing(_options.Hostname));
                return true;

            case VrfyCommand:
                _counters.Count("vrfy", ok: _options.EnableVrfy);
                if (!_options.EnableVrfy)
                {
                    return Fail(SmtpReplies.NotImplemented);
                }

                // RFC 5321 §3.5.3: 252 says "will try", without confirming which users exist.
                Reply(SmtpReplies.CannotVerify);
                return false;

            case ExpnCommand:
                _counters.Count("expn", ok: false);
                return Fail(SmtpReplies.ExpnDisabled);

            case HelpCommand:
                _counters.Count("help", ok: true);
                Reply(Help);
                return false;

            case StartTlsCommand:
                return await StartTlsAsync();

            case AuthCommand auth:
                return await AuthAsync(auth);

            default:
                return Fail(SmtpReplies.CommandUnrecognized);
        }
    }

    private SmtpReply EhloReply()
    {
        var lines = new List<string>
        {
            _options.Hostname,
            "PIPELINING",
            $"SIZE {_options.MaxMessageSize}",
        };
        if (_options.StartTls is not null && !_connection.IsTls)
        {
            lines.Add("STARTTLS");
        }

        if (AuthAvailable && _context.AuthenticatedUser is null)
        {
            lines.Add("AUTH " + string.Join(' ', SaslMechanisms.Names));
        }

        lines.AddRange(["ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]);
        return new SmtpReply(250, null, lines);
    }

    private async ValueTask<bool> MailAsync(MailCommand mail)
    {
        if (_transactions >= _options.MaxTransactionsPerSession)
        {
            _counters.Count("mail", ok: false);
            LogTooManyMessages(_context.ClientDescription, _transactions);
            Reply(TooManyTransactions);
            return true;
        }

        if (_options.RequireAuthentication && _context.AuthenticatedUser is null)
        {
            return Reject("MAIL", AuthRequired, mail.ReversePath, null);
        }

        if (mail.Parameters.DeclaredSize > _options.MaxMessageSize)
        {
            return Reject("MAIL", SmtpReplies.MessageTooBig, mail.ReversePath, null);
        }

        if (mail.ReversePath is { IsAscii: false } && !mail.Parameters.SmtpUtf8)
        {
            return Reject("MAIL", SmtpReplies.Utf8NotDeclared, mail.ReversePath, null);
        }

        if (await _policy.CheckSenderAsync(_context, mail.ReversePath, mail.Parameters, _connection.Aborted) is { } refusal)
        {
            return Reject("MAIL", refusal, mail.ReversePath, null);
        }

        _transaction = new Transaction(_sink.NewQueueId(), mail.ReversePath, mail.Parameters)
        {
            Check = _sink.BeginChecks(_context, mail.ReversePath),
        };
        _phase = SmtpPhase.MailGiven;
        _counters.Count("mail", ok: true);
        LogClient(_transaction.QueueId, _context.ClientDescription);
        Reply(SmtpReplies.SenderOk);
        return false;
    }

    private async ValueTask<bool> RcptAsync(RcptCommand rcpt)
    {
        var transaction = _transaction!;
        transaction.RecipientsTried++;
        var path = rcpt.ForwardPath;
        if (transaction.Recipients.Count >= _options.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: 452, so the client sends the rest in another transaction.
            return Reject("RCPT", SmtpReplies.TooManyRecipients, transaction.Sender, path);
        }

        if (!path.IsAscii && !transaction.Parameters.SmtpUtf8)
        {
            return Reject("RCPT", SmtpReplies.Utf8NotDeclared, transaction.Sender, path);
        }

        if (await _policy.CheckRecipientAsync(_context, transaction.Sender, path, _connection.Aborted) is { } refusal)
        {
            // A temporary refusal (greylisting, a failed lookup) is the server's choice, not the client's
            // mistake, so it does not count toward the error limit; a greylisted message may have many recipients.
            return refusal.IsTransientFailure ? Defer("RCPT", refusal, transaction.Sender, path) : Reject("RCPT", refusal, transaction.Sender, path);
        }

        // The same recipient twice in one transaction is delivered once.
        if (!transaction.Recipients.Exists(r => string.Equals(r.Path.Address, path.Address, StringComparison.OrdinalIgnoreCase)))
        {
            transaction.Recipients.Add(new SmtpRecipient(path, rcpt.Parameters));
        }

        _counters.Count("rcpt", ok: true);
        Reply(SmtpReplies.RecipientOk);
        return false;
    }

    private async ValueTask<bool> BeginDataAsync()
    {
        var transaction = _transaction!;
        if (transaction.UsedBdat)
        {
            _counters.Count("data", ok: false);
            return Fail(SmtpReplies.BdatInProgress);
        }

        if (transaction.Recipients.Count == 0)
        {
            _counters.Count("data", ok: false);
            return Fail(transaction.RecipientsTried > 0 ? SmtpReplies.NoValidRecipients : SmtpReplies.NeedRcpt);
        }

        await OpenContentAsync(transaction, DataFraming.DotTerminated);
        _framing = SmtpFraming.Data;
        Reply(SmtpReplies.StartMailInput);
        return false;
    }

    private async ValueTask<bool> FinishDataAsync()
    {
        var transaction = _transaction!;
        var reply = Verdict(transaction.Decoder!) ?? await CommitAsync(transaction);
        return await EndTransactionAsync("data", reply);
    }

    private async ValueTask<bool> BeginBdatAsync(BdatCommand chunk)
    {
        var transaction = _transaction!;
        if (transaction.Recipients.Count == 0)
        {
            return await BeginChunkAsync(chunk, transaction.RecipientsTried > 0 ? SmtpReplies.NoValidRecipients : SmtpReplies.NeedRcpt);
        }

        if (!transaction.UsedBdat)
        {
            transaction.UsedBdat = true;
            await OpenContentAsync(transaction, DataFraming.Raw);
            _phase = SmtpPhase.Chunking;
        }

        return await BeginChunkAsync(chunk, refusal: null);
    }

    /// <summary>Starts reading a chunk; an empty one is answered at once.</summary>
    private async ValueTask<bool> BeginChunkAsync(BdatCommand chunk, SmtpReply? refusal)
    {
        _chunkRemaining = chunk.ChunkSize;
        _chunkLast = chunk.Last;
        _chunkRefusal = refusal;
        if (chunk.ChunkSize > 0)
        {
            _framing = SmtpFraming.Chunk;
            return false;
        }

        return await FinishChunkAsync();
    }

    private async ValueTask<bool> FinishChunkAsync()
    {
        if (_chunkRefusal is { } refusal)
        {
            _chunkRefusal = null;
            _counters.Count("bdat", ok: false);
            return Fail(refusal);
        }

        var transaction = _transaction!;
        var decoder = transaction.Decoder!;
        if (decoder.Violations.HasFlag(DataViolations.TooLarge))
        {
            // The rest of the transaction is refused too: its BDATs meet "need MAIL" and are read and dropped.
            return await EndTransactionAsync("bdat", SmtpReplies.MessageTooBig);
        }

        if (!_chunkLast)
        {
            _counters.Count("bdat", ok: true);
            Reply(SmtpReplies.ChunkReceived(decoder.Size));
            return false;
        }

        decoder.Finish(transaction.Scratch, out int written);
        if (written > 0)
        {
            await transaction.Content!.WriteAsync(transaction.Scratch.AsMemory(0, written), _connection.Aborted);
        }

        var reply = Verdict(decoder) ?? await CommitAsync(transaction);
        return await EndTransactionAsync("bdat", reply);
    }

    /// <summary>After the content ends: the refusal its violations earn, or null if it is acceptable.</summary>
    private SmtpReply? Verdict(DataDecoder decoder)
    {
        var violations = decoder.Violations;
        if (violations.HasFlag(DataViolations.TooLarge))
        {
            return SmtpReplies.MessageTooBig;
        }

        if ((violations & (DataViolations.BareLineFeed | DataViolations.BareCarriageReturn)) != 0)
        {
            return SmtpReplies.BareLineEndInData;
        }

        if (violations.HasFlag(DataViolations.NulOctet))
        {
            return SmtpReplies.NulInData;
        }

        if (violations.HasFlag(DataViolations.LineTooLong))
        {
            return SmtpReplies.LineTooLongInData(_options.MaxDataLineLength);
        }

        return null;
    }

    private async ValueTask<SmtpReply> CommitAsync(Transaction transaction)
    {
        var envelope = new SmtpEnvelope(
            transaction.QueueId,
            transaction.Sender,
            transaction.Parameters,
            transaction.Recipients,
            _context,
            transaction.ReceivedAt)
        {
            Check = transaction.Check,
        };
        return await _sink.CommitAsync(envelope, transaction.Content!, _connection.Aborted);
    }

    /// <summary>Sends the transaction's final reply, resets to "greeted", and decides whether the session goes on.</summary>
    private async ValueTask<bool> EndTransactionAsync(string verb, SmtpReply reply)
    {
        var transaction = _transaction!;
        _counters.Count(verb, reply.IsPositive);
        await AbandonTransactionAsync();
        _phase = SmtpPhase.Greeted;
        bool close;
        if (reply.IsPositive)
        {
            _transactions++;
            Reply(reply);
            close = false;
        }
        else
        {
            LogReject(verb.ToUpperInvariant(), _context.ClientDescription, reply.ToString(), transaction.Sender?.Address ?? string.Empty, transaction.Recipients.Count > 0 ? transaction.Recipients[0].Path.Address : string.Empty, _context.HeloName ?? string.Empty);
            close = Fail(reply);
        }

        if (_closeAfterTransaction && !close)
        {
            Reply(SmtpReplies.ShuttingDown(_options.Hostname));
            return true;
        }

        return close;
    }

    private async ValueTask OpenContentAsync(Transaction transaction, DataFraming framing)
    {
        transaction.ReceivedAt = _time.GetUtcNow();
        transaction.Content = _sink.CreateContentWriter(transaction.QueueId, transaction.Check);
        transaction.Decoder = new DataDecoder(framing, _options.MaxMessageSize, _options.MaxDataLineLength);
        transaction.Scratch = ArrayPool<byte>.Shared.Rent(ScratchSize);
        await transaction.Content.WriteAsync(Encoding.UTF8.GetBytes(ReceivedHeader(transaction)), _connection.Aborted);
    }

    private async ValueTask<bool> StartTlsAsync()
    {
        if (_options.StartTls is not { } tls || _connection.IsTls || tls() is not { } tlsOptions)
        {
            _counters.Count("starttls", ok: false);
            return Fail(SmtpReplies.NotImplemented);
        }

        _counters.Count("starttls", ok: true);
        Reply(StartTlsReady);
        await Output.FlushAsync(_connection.Aborted);
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_connection.Aborted);
        handshake.CancelAfter(TimeSpan.FromSeconds(30));
        await _connection.UpgradeToTlsAsync(tlsOptions, handshake.Token);

        // RFC 3207 §4.2: forget everything learnt before TLS; the client starts again with EHLO.
        _context.HeloName = null;
        _context.AuthenticatedUser = null;
        _context.IsTls = true;
        _phase = SmtpPhase.Connected;
        return false;
    }

    /// <summary>RFC 5321 §4.4 trace header, RFC 6531 §3.7.3 protocol names.</summary>
    private string ReceivedHeader(Transaction transaction)
    {
        string protocol = (transaction.Parameters.SmtpUtf8 ? "UTF8SMTP" : _context.Extended ? "ESMTP" : "SMTP")
            + (_context.IsTls ? "S" : string.Empty)
            + (_context.AuthenticatedUser is null ? string.Empty : "A");
        if (protocol == "SMTPS" || protocol == "SMTPA" || protocol == "SMTPSA")
        {
            protocol = "E" + protocol;
        }

        var header = new StringBuilder()
            .Append("Received: from ").Append(Sanitize(_context.HeloName ?? "unknown"))
            .Append(" (unknown [").Append(_context.RemoteEndPoint.Address).Append("])\r\n")
            .Append("\tby ").Append(_options.Hostname).Append(" (Carrier) with ").Append(protocol)
            .Append(" id ").Append(transaction.QueueId);
        if (transaction.Recipients.Count == 1)
        {
            header.Append("\r\n\tfor <").Append(transaction.Recipients[0].Path.Address).Append('>');
        }

        return header.Append("; ").Append(Rfc5322Date.Format(transaction.ReceivedAt)).Append("\r\n").ToString();
    }

    // The HELO name is the client's word; keep it from breaking the header's structure.
    private static string Sanitize(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            builder.Append(c is < (char)33 or (char)127 or '(' or ')' or ';' or '\\' ? '?' : c);
        }

        return builder.ToString();
    }

    private bool Reject(string stage, SmtpReply reply, SmtpPath? sender, SmtpPath? recipient)
    {
        LogRefusal(stage, reply, sender, recipient);
        return Fail(reply);
    }

    private bool Defer(string stage, SmtpReply reply, SmtpPath? sender, SmtpPath? recipient)
    {
        LogRefusal(stage, reply, sender, recipient);
        Reply(reply);

        // Not the client's mistake, but not unbounded either: a client looping MAIL/RCPT/RSET through 450s would
        // otherwise fill the greylist with triplets and push out those of real senders. One message's worth of
        // recipients per session is what a legitimate client can need.
        if (++_deferrals > _options.MaxRecipients)
        {
            LogTooManyErrors(_context.ClientDescription, _deferrals);
            Reply(SmtpReplies.TooManyErrors);
            return true;
        }

        return false;
    }

    private void LogRefusal(string stage, SmtpReply reply, SmtpPath? sender, SmtpPath? recipient)
    {
        _counters.Count(stage.ToLowerInvariant(), ok: false);
        LogReject(stage, _context.ClientDescription, reply.ToString(), sender?.Address ?? string.Empty, recipient?.Address ?? string.Empty, _context.HeloName ?? string.Empty);
    }

    private async ValueTask AbandonTransactionAsync()
    {
        if (_transaction is { } transaction)
        {
            _transaction = null;
            if (transaction.Content is { } content)
            {
                await content.DisposeAsync();
            }

            if (transaction.Check is { } check)
            {
                await check.DisposeAsync();
            }

            if (transaction.Scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(transaction.Scratch);
            }
        }
    }

    private static SmtpVerb VerbOf(SmtpCommand command) => command switch
    {
        EhloCommand { Extended: true } => SmtpVerb.Ehlo,
        EhloCommand => SmtpVerb.Helo,
        MailCommand => SmtpVerb.Mail,
        RcptCommand => SmtpVerb.Rcpt,
        DataCommand => SmtpVerb.Data,
        BdatCommand => SmtpVerb.Bdat,
        RsetCommand => SmtpVerb.Rset,
        NoopCommand => SmtpVerb.Noop,
        QuitCommand => SmtpVerb.Quit,
        VrfyCommand => SmtpVerb.Vrfy,
        ExpnCommand => SmtpVerb.Expn,
        HelpCommand => SmtpVerb.Help,
        StartTlsCommand => SmtpVerb.StartTls,
        AuthCommand => SmtpVerb.Auth,
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    /// <summary>One MAIL transaction: envelope so far, and the content once DATA/BDAT began.</summary>
    private sealed class Transaction(string queueId, SmtpPath? sender, MailParameters parameters)
    {
        public string QueueId { get; } = queueId;

        public SmtpPath? Sender { get; } = sender;

        public MailParameters Parameters { get; } = parameters;

        public List<SmtpRecipient> Recipients { get; } = [];

        public int RecipientsTried { get; set; }

        public bool UsedBdat { get; set; }

        public DateTimeOffset ReceivedAt { get; set; }

        public IMessageContentWriter? Content { get; set; }

        public ITransactionCheck? Check { get; init; }

        public DataDecoder? Decoder { get; set; }

        public byte[] Scratch { get; set; } = [];
    }
}
