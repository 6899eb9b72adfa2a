namespace Carrier.Smtp.Server;

/// <summary>Where a session stands in the RFC 5321 §4.1.4 command sequence.</summary>
public enum SmtpPhase
{
    /// <summary>Greeting sent, no EHLO/HELO yet.</summary>
    Connected,

    /// <summary>EHLO/HELO done, no transaction open.</summary>
    Greeted,

    /// <summary>MAIL accepted: RCPT, DATA and BDAT may follow.</summary>
    MailGiven,

    /// <summary>At least one BDAT chunk received without LAST (RFC 3030): only BDAT, RSET, NOOP, QUIT.</summary>
    Chunking,
}

/// <summary>What the next bytes from the client are.</summary>
public enum SmtpFraming
{
    /// <summary>A command line.</summary>
    Command,

    /// <summary>Discarding the rest of an over-long command line.</summary>
    SkipLine,

    /// <summary>DATA content up to CRLF.CRLF.</summary>
    Data,

    /// <summary>A BDAT chunk of known length.</summary>
    Chunk,

    /// <summary>A client response line of an AUTH exchange (RFC 4954).</summary>
    SaslResponse,
}
