namespace Carrier.Routing.Spf;

/// <summary>The results of an SPF check (RFC 7208 §2.6).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>A result with what decided it, for Authentication-Results and the logs.</summary>
public sealed record SpfVerdict(SpfResult Result, string Domain, string Reason)
{
    /// <summary>The result as RFC 8601 writes it: pass, fail, softfail, neutral, none, temperror, permerror.</summary>
    public string Keyword => Result.ToString().ToLowerInvariant();
}
