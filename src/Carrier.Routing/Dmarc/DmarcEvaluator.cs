using Carrier.Routing.Dns;
using Carrier.Routing.Spf;

namespace Carrier.Routing.Dmarc;

/// <summary>The results of a DMARC evaluation as RFC 7489 §11.2 registers them for Authentication-Results.</summary>
public enum DmarcResult
{
    None,
    Pass,
    Fail,
    TempError,
    PermError,
}

/// <summary>
/// An evaluation: its result, the policy the domain published for this From: domain (p, or sp for a
/// subdomain), and what that policy asks of this message after "pct" sampling (§6.6.4).
/// </summary>
public sealed record DmarcVerdict(DmarcResult Result, string FromDomain, DmarcPolicy? Published, DmarcPolicy Requested, string Reason)
{
    public string Keyword => Result.ToString().ToLowerInvariant();
}

/// <summary>
/// DMARC (RFC 7489): finds the policy of the author's domain — <c>_dmarc.</c> the From: domain, else
/// <c>_dmarc.</c> its organizational domain (§6.6.3) — and passes a message when SPF or DKIM passed for a
/// domain aligned with the From: domain (§3.1, §4.2).
/// </summary>
public sealed class DmarcEvaluator
{
    private readonly ITxtResolver _txt;
    private readonly Func<int> _percentile;

    /// <param name="percentile">A number from 0 to 99 for "pct" sampling; random unless a test fixes it.</param>
    public DmarcEvaluator(ITxtResolver txt, Func<int>? percentile = null)
    {
        _txt = txt;
        _percentile = percentile ?? (() => Random.Shared.Next(100));
    }

    /// <param name="fromDomain">The domain of the single From: address.</param>
    /// <param name="spf">The SPF verdict for the MAIL FROM (or HELO) identity.</param>
    /// <param name="dkimPassedDomains">The d= of every DKIM signature that verified.</param>
    public async Task<DmarcVerdict> EvaluateAsync(string fromDomain, SpfVerdict spf, IReadOnlyCollection<string> dkimPassedDomains, CancellationToken cancellationToken)
    {
        fromDomain = fromDomain.TrimEnd('.').ToLowerInvariant();
        string organizational = OrganizationalDomain.Of(fromDomain);
        var found = await FindRecordAsync(fromDomain, cancellationToken);
        bool atOrganization = false;
        if (found.Record is null && found.Result == DmarcResult.None && organizational != fromDomain)
        {
            found = await FindRecordAsync(organizational, cancellationToken);
            atOrganization = true;
        }

        if (found.Record is not { } record)
        {
            return new DmarcVerdict(found.Result, fromDomain, null, DmarcPolicy.None, found.Reason);
        }

        var published = atOrganization ? record.SubdomainPolicy ?? record.Policy : record.Policy;
        string? dkimAligned = dkimPassedDomains.FirstOrDefault(d => OrganizationalDomain.Aligned(d, fromDomain, record.StrictDkim));
        if (dkimAligned is not null)
        {
            return new DmarcVerdict(DmarcResult.Pass, fromDomain, published, DmarcPolicy.None, $"DKIM passed for {dkimAligned}, aligned with {fromDomain}");
        }

        if (spf.Result == SpfResult.Pass && OrganizationalDomain.Aligned(spf.Domain, fromDomain, record.StrictSpf))
        {
            return new DmarcVerdict(DmarcResult.Pass, fromDomain, published, DmarcPolicy.None, $"SPF passed for {spf.Domain}, aligned with {fromDomain}");
        }

        // §6.6.4: a message outside the sample gets the next milder policy.
        var requested = _percentile() < record.Percent ? published : published switch
        {
            DmarcPolicy.Reject => DmarcPolicy.Quarantine,
            _ => DmarcPolicy.None,
        };
        return new DmarcVerdict(DmarcResult.Fail, fromDomain, published, requested, $"neither SPF nor DKIM passed for a domain aligned with {fromDomain}");
    }

    private async Task<(DmarcResult Result, DmarcRecord? Record, string Reason)> FindRecordAsync(string domain, CancellationToken cancellationToken)
    {
        string name = "_dmarc." + domain;
        var answer = await _txt.ResolveTxtAsync(name, cancellationToken);
        if (answer.Status == DnsStatus.TemporaryFailure)
        {
            return (DmarcResult.TempError, null, $"DNS failure looking up {name}");
        }

        var records = answer.Records.Where(DmarcRecord.IsDmarcRecord).ToList();
        switch (records.Count)
        {
            case 0:
                return (DmarcResult.None, null, $"{domain} publishes no DMARC record");
            case > 1:
                return (DmarcResult.PermError, null, $"{domain} publishes {records.Count} DMARC records");
        }

        return DmarcRecord.TryParse(records[0], out var record, out string error)
            ? (DmarcResult.None, record, string.Empty)
            : (DmarcResult.PermError, null, $"the DMARC record of {domain} is invalid: {error}");
    }
}
