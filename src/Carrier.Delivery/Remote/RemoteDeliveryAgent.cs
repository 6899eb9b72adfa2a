using System.Collections.Concurrent;
using System.Net;
using Carrier.Queue;
using Carrier.Routing.Planning;
using Carrier.Smtp.Client;
using Carrier.Smtp.Protocol;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging;

namespace Carrier.Delivery.Remote;

/// <summary>
/// Delivers to other servers: plans each destination domain by MX (or transport override), then tries the
/// planned hosts in order. A refused or silent host, a 421 or any 4xx moves on to the next host; after the
/// last one the recipients are deferred. A 5xx to RCPT bounces that recipient, a 5xx to MAIL or to the data
/// bounces every recipient of the transaction.
/// </summary>
/// <remarks>
/// Concurrency is bounded per destination domain; sessions are reused for a short while
/// (<see cref="SmtpConnectionPool"/>); hosts that just failed are tried last (<see cref="HostStatusCache"/>).
/// </remarks>
public sealed partial class RemoteDeliveryAgent : IRemoteDeliveryAgent, IAsyncDisposable
{
    private readonly MxRouter _router;
    private readonly RemoteDeliveryOptions _options;
    private readonly SmtpConnectionPool _pool;
    private readonly HostStatusCache _hosts;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _destinations = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public RemoteDeliveryAgent(MxRouter router, RemoteDeliveryOptions options, TimeProvider time, ILogger logger)
    {
        _router = router;
        _options = options;
        _logger = logger;
        _pool = new SmtpConnectionPool(options, time);
        _hosts = new HostStatusCache(time, options.DeadHostTime);
    }

    public async ValueTask<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryRequest request, IReadOnlyList<QueuedRecipient> recipients, CancellationToken cancellationToken)
    {
        var outcomes = new List<RecipientOutcome>(recipients.Count);
        foreach (var group in recipients.GroupBy(r => DomainOf(r.Address), StringComparer.Ordinal))
        {
            outcomes.AddRange(await DeliverToDomainAsync(request, group.Key, [.. group], cancellationToken));
        }

        return outcomes;
    }

    private async Task<IEnumerable<RecipientOutcome>> DeliverToDomainAsync(DeliveryRequest request, string domain, List<QueuedRecipient> recipients, CancellationToken cancellationToken)
    {
        var slot = _destinations.GetOrAdd(domain, _ => new SemaphoreSlim(_options.MaxPerDestination));
        await slot.WaitAsync(cancellationToken);
        try
        {
            DeliveryPlan plan;
            try
            {
                plan = await _router.PlanAsync(domain, domainIsLocal: false, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return All(recipients, DeliveryOutcome.Temporary("4.4.3", $"routing {domain} failed: {e.Message}", "none"));
            }

            return plan.Kind switch
            {
                PlanKind.Deliver => await TryHostsAsync(request, plan, recipients, cancellationToken),
                PlanKind.Defer => All(recipients, DeliveryOutcome.Temporary(plan.Status, plan.Reason, "none")),
                PlanKind.Bounce => All(recipients, DeliveryOutcome.Permanent(plan.Status, plan.Reason, "none")),
                _ => All(recipients, DeliveryOutcome.Permanent("5.4.6", $"mail for {domain} loops back to myself", "none")),
            };
        }
        finally
        {
            slot.Release();
        }
    }

    private async Task<IEnumerable<RecipientOutcome>> TryHostsAsync(DeliveryRequest request, DeliveryPlan plan, List<QueuedRecipient> recipients, CancellationToken cancellationToken)
    {
        var pending = new List<QueuedRecipient>(recipients);
        var outcomes = new Dictionary<int, DeliveryOutcome>();
        DeliveryOutcome? lastFailure = null;
        string? utf8Refusal = null;
        var tls = _options.TlsPolicies.For(plan.Domain);
        var candidates = plan.Hosts.SelectMany(h => h.Addresses.Select(a => (Host: h.Name, Endpoint: new IPEndPoint(a, h.Port)))).ToList();

        // Hosts that failed a moment ago go last: the next MX takes the mail without a wait on the dead one.
        candidates = [.. candidates.Where(c => !_hosts.IsDead(c.Endpoint)).Concat(candidates.Where(c => _hosts.IsDead(c.Endpoint)))];
        foreach (var (host, endpoint) in candidates)
        {
            if (pending.Count == 0)
            {
                break;
            }

            for (int attempt = 0; attempt < 2 && pending.Count > 0; attempt++)
            {
                SmtpClientConnection connection;
                int transactions;
                bool pooled;
                try
                {
                    (connection, transactions, pooled) = await OpenAsync(host, endpoint, tls, fresh: attempt > 0, cancellationToken);
                }
                catch (SmtpClientException e)
                {
                    _hosts.MarkDead(endpoint);
                    lastFailure = SessionFailure(e, host, endpoint);
                    break;
                }

                bool keep = false;
                try
                {
                    if (request.Message.SmtpUtf8 && !connection.Capabilities.SmtpUtf8)
                    {
                        utf8Refusal = $"host {connection.Description} does not offer SMTPUTF8, which this message needs (RFC 6531)";
                        keep = true;
                        break;
                    }

                    var content = await ContentForAsync(request, connection, cancellationToken);
                    var envelope = Envelope(request.Message, pending);
                    var result = await connection.SendAsync(envelope, content, cancellationToken);
                    transactions++;
                    _hosts.MarkAlive(endpoint);
                    lastFailure = Apply(result, pending, outcomes, connection) ?? lastFailure;
                    keep = true;
                    break;
                }
                catch (SmtpClientException e) when (pooled && attempt == 0)
                {
                    // A cached session the server has meanwhile closed: try once more on a new one.
                    LogStaleSession(connection.Description, e.Message);
                }
                catch (SmtpClientException e)
                {
                    _hosts.MarkDead(endpoint);
                    lastFailure = SessionFailure(e, host, endpoint);
                    break;
                }
                finally
                {
                    if (keep)
                    {
                        await _pool.ReturnAsync(connection, transactions);
                    }
                    else
                    {
                        await connection.DisposeAsync();
                    }
                }
            }
        }

        foreach (var recipient in pending)
        {
            outcomes[recipient.Index] = lastFailure
                ?? (utf8Refusal is not null
                    ? DeliveryOutcome.Permanent("5.6.7", utf8Refusal, "none")
                    : DeliveryOutcome.Temporary("4.4.1", $"no mail host of {plan.Domain} could be reached", "none"));
        }

        return outcomes.Select(o => new RecipientOutcome(o.Key, o.Value));
    }

    private async Task<(SmtpClientConnection Connection, int Transactions, bool Pooled)> OpenAsync(string host, IPEndPoint endpoint, OutboundTlsPolicy tls, bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && _pool.Take(endpoint) is { } lease)
        {
            if (Satisfies(lease.Connection, tls))
            {
                return (lease.Connection, lease.Transactions, true);
            }

            // Opened for a destination with a weaker policy (the same MX serves several domains).
            await lease.Connection.DisposeAsync();
        }

        SmtpClientConnection connection;
        try
        {
            connection = await SmtpClientConnection.ConnectAsync(host, endpoint, _options.Client, tls, cancellationToken);
        }
        catch (SmtpClientException e) when (e.Stage == SmtpClientStage.StartTls && !tls.RequiresTls)
        {
            // Opportunistic TLS (RFC 7435): a failed handshake is not a reason to keep the mail; go on in plain text.
            // Never under encrypt or verify, whatever stage the exchange failed at (a connection lost after STARTTLS too).
            LogTlsFallback(host, endpoint.ToString(), e.Message);
            connection = await SmtpClientConnection.ConnectAsync(host, endpoint, _options.Client, OutboundTlsPolicy.None, cancellationToken);
        }
        catch (SmtpClientException e) when (e.Stage is SmtpClientStage.TlsRequired or SmtpClientStage.TlsVerification)
        {
            LogTlsRefused(host, endpoint.ToString(), e.Message);
            throw;
        }

        if (connection.TlsDescription is { } description)
        {
            LogTls(connection.Trust ?? TlsTrust.Untrusted, connection.Description, description, tls.ToString());
        }

        return (connection, 0, false);
    }

    /// <summary>Whether a cached session is good enough for this policy: TLS when required, verified with the same names under verify.</summary>
    private static bool Satisfies(SmtpClientConnection connection, OutboundTlsPolicy tls) => tls.Level switch
    {
        TlsLevel.Encrypt => connection.TlsDescription is not null,
        TlsLevel.Verify => connection.Trust == TlsTrust.Verified && connection.TlsPolicy.Equals(tls),
        _ => true,
    };

    /// <summary>Records what the server said to one transaction; returns the failure to remember if recipients remain pending.</summary>
    private static DeliveryOutcome? Apply(TransactionResult result, List<QueuedRecipient> pending, Dictionary<int, DeliveryOutcome> outcomes, SmtpClientConnection connection)
    {
        string via = connection.Description;
        string host = connection.HostName;
        bool dsnPassedOn = connection.Capabilities.Dsn;
        if (!result.Mail.IsPositive)
        {
            var outcome = Said(result.Mail, via, host, "MAIL FROM");
            if (result.Mail.IsPermanentFailure)
            {
                foreach (var recipient in pending)
                {
                    outcomes[recipient.Index] = outcome;
                }

                pending.Clear();
                return null;
            }

            return outcome;
        }

        DeliveryOutcome? temporary = null;
        var accepted = new List<QueuedRecipient>();
        for (int i = 0; i < result.Recipients.Count && i < pending.Count; i++)
        {
            var reply = result.Recipients[i];
            if (reply.IsPositive)
            {
                accepted.Add(pending[i]);
            }
            else if (reply.IsPermanentFailure)
            {
                outcomes[pending[i].Index] = Said(reply, via, host, "RCPT TO");
            }
            else
            {
                temporary = Said(reply, via, host, "RCPT TO");
            }
        }

        pending.RemoveAll(r => outcomes.ContainsKey(r.Index));
        if (accepted.Count == 0)
        {
            return temporary;
        }

        var data = result.Data;
        if (data is null || !data.IsPositive || data.Code == 354)
        {
            var failure = data is null
                ? new DeliveryOutcome(OutcomeKind.TemporaryFailure, "4.4.2", $"host {via} gave no reply to the end of data", via, host)
                : Said(data, via, host, "end of DATA");
            if (data is not null && data.IsPermanentFailure)
            {
                foreach (var recipient in accepted)
                {
                    outcomes[recipient.Index] = failure;
                }

                pending.RemoveAll(r => outcomes.ContainsKey(r.Index));
                return temporary;
            }

            return failure;
        }

        foreach (var recipient in accepted)
        {
            outcomes[recipient.Index] = new DeliveryOutcome(OutcomeKind.Delivered, StatusOf(data), data.ToString(), via, host, SmtpDiagnostic: true, NotifyPassedOn: dsnPassedOn);
        }

        pending.RemoveAll(r => outcomes.ContainsKey(r.Index));
        return temporary;
    }

    /// <summary>A server's refusal, worded as in Postfix logs, with the bare reply kept for the DSN.</summary>
    private static DeliveryOutcome Said(SmtpReply reply, string via, string host, string stage)
    {
        string text = $"host {via} said: {reply} (in reply to {stage} command)";
        var kind = reply.IsPermanentFailure ? OutcomeKind.PermanentFailure : OutcomeKind.TemporaryFailure;
        return new DeliveryOutcome(kind, StatusOf(reply), text, via, host, SmtpDiagnostic: true, Diagnostic: reply.ToString());
    }

    private static DeliveryOutcome SessionFailure(SmtpClientException e, string host, IPEndPoint endpoint)
    {
        string via = $"{host}[{endpoint.Address}]:{endpoint.Port}";
        if (e.Reply is { } reply)
        {
            // A refusal at greeting or HELO is about this host, not the recipients: the next MX may take the mail.
            return new DeliveryOutcome(OutcomeKind.TemporaryFailure, reply.IsPermanentFailure ? "4.4.2" : StatusOf(reply), e.Message, via, host, SmtpDiagnostic: true, Diagnostic: reply.ToString());
        }

        string status = e.Stage switch
        {
            SmtpClientStage.Connect => "4.4.1",
            SmtpClientStage.TlsRequired => "4.7.4",
            SmtpClientStage.TlsVerification => "4.7.5",
            _ => "4.4.2",
        };
        return DeliveryOutcome.Temporary(status, e.Message, via);
    }

    private static string StatusOf(SmtpReply reply) => reply.Status ?? $"{reply.Code / 100}.0.0";

    private static OutboundEnvelope Envelope(QueuedMessage message, List<QueuedRecipient> recipients) => new(
        message.Sender,
        message.Size,
        EightBit: message.BodyType == "8BITMIME",
        message.SmtpUtf8,
        message.DsnReturn,
        message.EnvelopeId,
        [.. recipients.Select(r => new OutboundRecipient(r.Address, r.Notify, r.OriginalRecipient))]);

    /// <summary>
    /// Mail written here (submitted, from sendmail, or our own bounces) is DKIM-signed; mail passing through
    /// (relayed, forwarded) is sent as it came, since signing it would vouch for someone else's message.
    /// </summary>
    private static readonly HashSet<string> SignedOrigins = new(StringComparer.Ordinal) { "submission", "sendmail", "bounce" };

    /// <summary>
    /// The content as this server can take it: unchanged, or re-encoded to 7 bits for a server without
    /// 8BITMIME (RFC 6152 §3); then signed, so the signature covers exactly the octets sent.
    /// </summary>
    private async Task<Func<CancellationToken, ValueTask<Stream>>> ContentForAsync(DeliveryRequest request, SmtpClientConnection connection, CancellationToken cancellationToken)
    {
        bool sign = _options.Dkim is { DomainCount: > 0 } && SignedOrigins.Contains(request.Message.Origin);
        bool asIs = connection.Capabilities.EightBitMime || request.Message.SmtpUtf8;
        if (asIs && !sign)
        {
            return request.OpenContentAsync;
        }

        byte[] content;
        await using (var stream = await request.OpenContentAsync(cancellationToken))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken);
            content = copy.ToArray();
        }

        if (!asIs && !System.Text.Ascii.IsValid(content))
        {
            content = await SevenBitConverter.ConvertAsync(content, cancellationToken);
        }

        if (sign && _options.Dkim!.Sign(content) is { } signed)
        {
            content = signed;
        }

        return ct => ValueTask.FromResult<Stream>(new MemoryStream(content, writable: false));
    }

    private static IEnumerable<RecipientOutcome> All(List<QueuedRecipient> recipients, DeliveryOutcome outcome) =>
        recipients.Select(r => new RecipientOutcome(r.Index, outcome));

    private static string DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? string.Empty : address[(at + 1)..].ToLowerInvariant();
    }

    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        foreach (var slot in _destinations.Values)
        {
            slot.Dispose();
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "{Trust} TLS connection established to {Server}: {Tls} (policy {Policy})")]
    private partial void LogTls(TlsTrust trust, string server, string tls, string policy);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "TLS policy refused {Host}[{Endpoint}], mail not sent in clear: {Reason}")]
    private partial void LogTlsRefused(string host, string endpoint, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "TLS with {Host}[{Endpoint}] failed ({Reason}); delivering without TLS")]
    private partial void LogTlsFallback(string host, string endpoint, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "cached session with {Server} was closed ({Reason}); opening a new one")]
    private partial void LogStaleSession(string server, string reason);
}
