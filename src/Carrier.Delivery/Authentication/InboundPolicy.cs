namespace Carrier.Delivery.Authentication;

/// <summary>What happens to a message that failed a check.</summary>
public enum FailureAction
{
    /// <summary>Accepted and delivered as usual; Authentication-Results tells the reader.</summary>
    Mark,

    /// <summary>Accepted and filed into the recipient's Junk mailbox.</summary>
    Quarantine,

    /// <summary>Refused at the end of DATA with 550 5.7.x.</summary>
    Reject,
}

/// <summary>What happens when a check could not finish (DNS failure or time-out).</summary>
public enum TemporaryErrorAction
{
    /// <summary>Accepted and marked temperror.</summary>
    Accept,

    /// <summary>Refused with 451 4.7.x so that the sender tries again.</summary>
    Defer,
}

/// <summary>How mail arriving on port 25 is checked and what its results lead to.</summary>
public sealed record InboundPolicy
{
    /// <summary>DMARC p=reject (after pct sampling). RFC 7489 §6.7 lets a receiver refuse.</summary>
    public FailureAction DmarcReject { get; init; } = FailureAction.Reject;

    /// <summary>DMARC p=quarantine.</summary>
    public FailureAction DmarcQuarantine { get; init; } = FailureAction.Quarantine;

    /// <summary>SPF "fail" (-all) of a message that DMARC did not pass.</summary>
    public FailureAction SpfFail { get; init; } = FailureAction.Mark;

    public TemporaryErrorAction TemporaryError { get; init; } = TemporaryErrorAction.Accept;

    /// <summary>Time allowed for the DNS work of each stage (SPF from MAIL FROM; DKIM and DMARC after DATA).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    public int MaxDkimSignatures { get; init; } = Dkim.DkimVerification.DefaultMaxSignatures;
}
