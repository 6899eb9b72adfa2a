using System.Net;
using System.Text;
using Carrier.Delivery.Dkim;
using Carrier.Routing.Dmarc;
using Carrier.Routing.Dns;
using Carrier.Routing.Spf;
using MimeKit;

namespace Carrier.Delivery.Authentication;

/// <summary>The decision about a checked message.</summary>
public enum InboundDisposition
{
    Accept,
    Quarantine,
    Reject,
    Defer,
}

/// <summary>
/// What the checks found and what to do: the header fields to put on top of the message, the byte ranges of
/// forged copies of our fields to leave out, and the disposition with its reason for the log.
/// </summary>
public sealed record InboundVerdict(
    InboundDisposition Disposition,
    string Reason,
    string Header,
    IReadOnlyList<(long Offset, long Length)> Removed,
    SpfVerdict Spf,
    IReadOnlyList<DkimSignatureResult> Dkim,
    DmarcVerdict? Dmarc);

/// <summary>
/// Sender authentication of mail received on port 25: SPF (RFC 7208) for MAIL FROM, or for the HELO name
/// when MAIL FROM is empty, started as soon as MAIL is accepted; DKIM (RFC 6376) and DMARC (RFC 7489) once
/// the content is in; the result as an Authentication-Results field (RFC 8601) under this server's name.
/// Each stage's DNS work is bounded by <see cref="InboundPolicy.Timeout"/>; what does not finish in time
/// is a temporary error.
/// </summary>
public sealed class InboundAuthenticator
{
    /// <summary>
    /// Put first on a message to be filed into Junk. Local delivery trusts it only at the very start of
    /// content received over SMTP, where no sender can put it: the server's own fields come first.
    /// </summary>
    public const string QuarantineField = "Carrier-Quarantine";

    private readonly SpfEvaluator _spf;
    private readonly DkimVerification _dkim;
    private readonly DmarcEvaluator _dmarc;
    private readonly string _authservId;

    public InboundAuthenticator(IDnsResolver dns, ITxtResolver txt, string authservId, InboundPolicy policy, Func<int>? percentile = null)
    {
        _spf = new SpfEvaluator(dns, txt);
        _dkim = new DkimVerification(txt, policy.MaxDkimSignatures);
        _dmarc = new DmarcEvaluator(txt, percentile);
        _authservId = authservId;
        Policy = policy;
    }

    public InboundPolicy Policy { get; }

    /// <summary>Starts the SPF check; the task never fails and ends within the policy's time-out.</summary>
    public async Task<SpfVerdict> CheckSpfAsync(IPAddress client, string mailFrom, string helo, CancellationToken cancellationToken)
    {
        string sender = mailFrom.Length > 0 ? mailFrom : $"postmaster@{helo}";
        string domain = sender[(sender.LastIndexOf('@') + 1)..];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Policy.Timeout);
        try
        {
            return await _spf.CheckAsync(client, sender, helo, deadline.Token).WaitAsync(Policy.Timeout, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            return new SpfVerdict(SpfResult.TempError, domain, "SPF check timed out");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Resolver faults beyond DNS answers (a closed socket, a bad name): the check could not finish.
            return new SpfVerdict(SpfResult.TempError, domain, "SPF check failed: " + e.Message);
        }
        finally
        {
            // Whatever is still asking DNS stops now, not when a timer of a disposed source would have fired.
            await deadline.CancelAsync();
        }
    }

    /// <summary>Verifies the message (seekable, positioned anywhere) and decides what becomes of it.</summary>
    public async Task<InboundVerdict> AuthenticateAsync(Task<SpfVerdict> spfCheck, string mailFrom, string helo, Stream content, CancellationToken cancellationToken)
    {
        content.Position = 0;
        var parser = new MimeParser(content, MimeFormat.Entity, persistent: true);
        var message = await parser.ParseMessageAsync(cancellationToken);
        var removed = await ForgedFieldsAsync(message, content, cancellationToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Policy.Timeout);

        // Awaited to its end, never abandoned: it reads the content, which is copied to the queue next. Its key
        // lookups end with the deadline (temperror); the hashing is bounded by the message size.
        var dkim = await _dkim.VerifyAsync(message, deadline.Token);
        var spf = await spfCheck;
        var dmarc = await EvaluateDmarcAsync(message, spf, dkim, deadline.Token, cancellationToken);
        await deadline.CancelAsync();
        var (disposition, reason) = Decide(spf, dmarc);
        var header = new StringBuilder();
        if (disposition == InboundDisposition.Quarantine)
        {
            header.Append(QuarantineField).Append(": ").Append(reason).Append("\r\n");
        }

        header.Append(AuthenticationResultsHeader.Format(_authservId, spf, mailFrom, helo, dkim, dmarc));
        return new InboundVerdict(disposition, reason, header.ToString(), removed, spf, dkim, dmarc);
    }

    private async Task<DmarcVerdict> EvaluateDmarcAsync(MimeMessage message, SpfVerdict spf, IReadOnlyList<DkimSignatureResult> dkim, CancellationToken deadline, CancellationToken session)
    {
        var authors = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        var mailboxes = message.From.Mailboxes.ToList();
        if (authors.Count != 1 || mailboxes.Count != 1 || mailboxes[0].Domain is not { Length: > 0 } fromDomain)
        {
            // RFC 7489 §6.6.1: the author domain must be one; without it there is nothing to evaluate against.
            string domain = mailboxes.FirstOrDefault()?.Domain ?? string.Empty;
            return new DmarcVerdict(DmarcResult.PermError, domain, null, DmarcPolicy.None, "From: does not name exactly one author");
        }

        var passed = dkim.Where(d => d.Passed).Select(d => d.Domain).ToList();
        try
        {
            return await _dmarc.EvaluateAsync(fromDomain, spf, passed, deadline).WaitAsync(Policy.Timeout, session);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !session.IsCancellationRequested)
        {
            return new DmarcVerdict(DmarcResult.TempError, fromDomain, null, DmarcPolicy.None, "DMARC lookup timed out");
        }
    }

    private (InboundDisposition, string) Decide(SpfVerdict spf, DmarcVerdict dmarc)
    {
        var action = FailureAction.Mark;
        string reason = string.Empty;
        if (dmarc.Result == DmarcResult.Fail && dmarc.Requested != DmarcPolicy.None)
        {
            action = dmarc.Requested == DmarcPolicy.Reject ? Policy.DmarcReject : Policy.DmarcQuarantine;
            reason = $"dmarc=fail (p={dmarc.Requested.ToString().ToLowerInvariant()}) header.from={dmarc.FromDomain}";
        }

        if (spf.Result == SpfResult.Fail && dmarc.Result != DmarcResult.Pass && Policy.SpfFail > action)
        {
            action = Policy.SpfFail;
            reason = $"spf=fail smtp.mailfrom={spf.Domain}";
        }

        if (action != FailureAction.Mark)
        {
            return (action == FailureAction.Reject ? InboundDisposition.Reject : InboundDisposition.Quarantine, reason);
        }

        if (Policy.TemporaryError == TemporaryErrorAction.Defer && (spf.Result == SpfResult.TempError || dmarc.Result == DmarcResult.TempError))
        {
            return (InboundDisposition.Defer, spf.Result == SpfResult.TempError ? "spf=temperror: " + spf.Reason : "dmarc=temperror: " + dmarc.Reason);
        }

        return (InboundDisposition.Accept, string.Empty);
    }

    /// <summary>
    /// RFC 8601 §5: Authentication-Results fields under our name that arrived with the message were not written
    /// by us; they and any quarantine mark are left out of what is stored. Ranges are checked against the
    /// content, so a field the parser saw differently is never cut wrongly.
    /// </summary>
    private async Task<List<(long Offset, long Length)>> ForgedFieldsAsync(MimeMessage message, Stream content, CancellationToken cancellationToken)
    {
        var removed = new List<(long, long)>();
        foreach (var header in message.Headers)
        {
            bool ours = header.Field.Equals(AuthenticationResultsHeader.FieldName, StringComparison.OrdinalIgnoreCase)
                && AuthenticationResultsHeader.NamesServer(header.Value, _authservId);
            bool mark = header.Field.Equals(QuarantineField, StringComparison.OrdinalIgnoreCase);
            if ((ours || mark) && header.Offset is { } offset)
            {
                long length = header.RawField.Length + 1 + header.RawValue.Length;
                if (await StartsWithAsync(content, offset, header.RawField, cancellationToken))
                {
                    removed.Add((offset, length));
                }
            }
        }

        return removed;
    }

    private static async Task<bool> StartsWithAsync(Stream content, long offset, byte[] expected, CancellationToken cancellationToken)
    {
        var actual = new byte[expected.Length];
        content.Position = offset;
        await content.ReadExactlyAsync(actual, cancellationToken);
        return actual.AsSpan().SequenceEqual(expected);
    }
}
