namespace Carrier.Imap.Protocol;

/// <summary>A parsed SEARCH criterion (RFC 9051 §6.4.4), evaluated by the session against each message.</summary>
public abstract record SearchKey;

public sealed record AllKey : SearchKey;

/// <summary>A system flag (\Seen, \Deleted, ...) set or not set.</summary>
public sealed record FlagKey(string Flag, bool Set) : SearchKey;

public sealed record KeywordKey(string Keyword, bool Set) : SearchKey;

/// <summary>RECENT (or, with <c>Set</c> false, OLD): the \Recent flag of RFC 3501, which is per session.</summary>
public sealed record RecentKey(bool Set) : SearchKey;

public enum DateComparison
{
    Before,
    On,
    Since,
}

/// <summary>BEFORE/ON/SINCE (internal date) or SENTBEFORE/SENTON/SENTSINCE (Date: header).</summary>
public sealed record DateKey(bool Sent, DateComparison Comparison, DateOnly Date) : SearchKey;

/// <summary>LARGER n or SMALLER n (RFC822.SIZE).</summary>
public sealed record SizeKey(bool Larger, long Size) : SearchKey;

/// <summary>A header field contains the text (FROM, TO, CC, BCC, SUBJECT, HEADER name value).</summary>
public sealed record HeaderKey(string Field, string Value) : SearchKey;

/// <summary>BODY (body only) or TEXT (header and body) contains the text.</summary>
public sealed record ContentKey(bool IncludeHeader, string Value) : SearchKey;

public sealed record SequenceKey(SequenceSet Set, bool Uid) : SearchKey;

/// <summary>MODSEQ n (RFC 7162 §3.1.5): changed at or after n.</summary>
public sealed record ModSeqKey(ulong ModSeq) : SearchKey;

public sealed record NotKey(SearchKey Inner) : SearchKey;

public sealed record OrKey(SearchKey Left, SearchKey Right) : SearchKey;

public sealed record AndKey(IReadOnlyList<SearchKey> Keys) : SearchKey;
