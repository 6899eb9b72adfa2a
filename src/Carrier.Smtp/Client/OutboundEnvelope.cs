using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Client;

/// <summary>A recipient as it is passed on: address and RFC 3461 parameters.</summary>
public sealed record OutboundRecipient(string Address, string? Notify, string? OriginalRecipient);

/// <summary>What the client sends in MAIL and RCPT.</summary>
/// <param name="Sender">The reverse path; empty for &lt;&gt;.</param>
/// <param name="EightBit">The content has octets above 127 (BODY=8BITMIME is sent when the server has it).</param>
/// <param name="DsnReturn">RET value (FULL or HDRS) to pass on, or null.</param>
public sealed record OutboundEnvelope(
    string Sender,
    long Size,
    bool EightBit,
    bool SmtpUtf8,
    string? DsnReturn,
    string? EnvelopeId,
    IReadOnlyList<OutboundRecipient> Recipients);

/// <summary>The server's answers to one transaction: MAIL, each RCPT in order, and the end of data (null if DATA never ran).</summary>
public sealed record TransactionResult(SmtpReply Mail, IReadOnlyList<SmtpReply> Recipients, SmtpReply? Data);

/// <summary>Where a session with a server failed.</summary>
public enum SmtpClientStage
{
    Connect,
    Greeting,
    Hello,
    StartTls,

    /// <summary>The destination's TLS policy requires TLS, and the server did not offer it or the handshake failed.</summary>
    TlsRequired,

    /// <summary>The destination's TLS policy requires a verified certificate, and this one is not.</summary>
    TlsVerification,
    Transaction,
}

/// <summary>
/// A session-level failure: the host did not answer, refused to talk, broke the protocol or timed out.
/// Recipient-level answers are not exceptions; they are replies in <see cref="TransactionResult"/>.
/// </summary>
public sealed class SmtpClientException : Exception
{
    public SmtpClientException(SmtpClientStage stage, string message, SmtpReply? reply = null, Exception? inner = null)
        : base(message, inner)
    {
        Stage = stage;
        Reply = reply;
    }

    public SmtpClientException()
    {
    }

    public SmtpClientException(string message)
        : base(message)
    {
    }

    public SmtpClientException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SmtpClientStage Stage { get; }

    /// <summary>The server's reply when it gave one (a 421 or 554 greeting, say).</summary>
    public SmtpReply? Reply { get; }

    /// <summary>True when the server said no for good (a 5xx greeting or HELO refusal) rather than failing to answer.</summary>
    public bool IsPermanent => Reply?.IsPermanentFailure ?? false;
}
