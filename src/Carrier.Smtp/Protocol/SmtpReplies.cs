namespace Carrier.Smtp.Protocol;

/// <summary>
/// The replies the server gives, named for what they mean. Codes follow RFC 5321 §4.2.2,
/// enhanced codes RFC 3463 and the IANA registry; texts follow Postfix where admins know them.
/// </summary>
public static class SmtpReplies
{
    public static readonly SmtpReply Ok = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Ok");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Ok");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Ok");
    public static readonly SmtpReply StartMailInput = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static readonly SmtpReply CannotVerify = new(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply ExpnDisabled = new(502, "5.5.1", "EXPN is not available");

    public static readonly SmtpReply CommandUnrecognized = new(500, "5.5.2", "Error: command not recognized");
    public static readonly SmtpReply LineTooLong = new(500, "5.5.2", "Error: line too long");
    public static readonly SmtpReply BareLineEnd = new(500, "5.5.2", "Error: bare <CR> or <LF> in command; lines end with <CR><LF> (RFC 5321 §2.3.8)");
    public static readonly SmtpReply NulInCommand = new(500, "5.5.2", "Error: NUL octet in command");
    public static readonly SmtpReply InvalidUtf8 = new(500, "5.5.2", "Error: command is not valid UTF-8");
    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Error: command not implemented");

    public static readonly SmtpReply NeedHelo = new(503, "5.5.1", "Error: send HELO/EHLO first");
    public static readonly SmtpReply NeedMail = new(503, "5.5.1", "Error: need MAIL command");
    public static readonly SmtpReply NestedMail = new(503, "5.5.1", "Error: nested MAIL command");
    public static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Error: need RCPT command");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "Error: no valid recipients");
    public static readonly SmtpReply BdatInProgress = new(503, "5.5.1", "Error: DATA and BDAT cannot be mixed in one transaction");
    public static readonly SmtpReply BdatWithoutChunking = new(503, "5.5.1", "Error: BDAT needs EHLO (CHUNKING)");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Error: too many errors");

    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Error: too many recipients");
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Error: message too big for system");
    public static readonly SmtpReply RelayDenied = new(550, "5.7.1", "Relay access denied");
    public static readonly SmtpReply NoSuchUser = new(550, "5.1.1", "Recipient address rejected: user unknown");
    public static readonly SmtpReply Utf8NotDeclared = new(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter on MAIL (RFC 6531)");
    public static readonly SmtpReply EightBitNotDeclared = new(554, "5.6.1", "Error: 8-bit data needs BODY=8BITMIME (RFC 6152)");

    public static readonly SmtpReply BareLineEndInData = new(554, "5.6.0", "Message refused: bare <CR> or <LF> in message data; lines end with <CR><LF> (RFC 5321 §2.3.8)");
    public static readonly SmtpReply NulInData = new(554, "5.6.0", "Message refused: NUL octet in message data (RFC 5322 §2.3)");
    public static readonly SmtpReply StorageFailure = new(451, "4.3.0", "Error: queue file write error, try again later");

    public static SmtpReply Greeting(string hostname) => new(220, null, $"{hostname} ESMTP Carrier");

    public static SmtpReply Closing(string hostname) => new(221, "2.0.0", $"{hostname} closing connection");

    public static SmtpReply ShuttingDown(string hostname) => new(421, "4.3.2", $"{hostname} Service shutting down, closing connection");

    public static SmtpReply TimedOut(string hostname) => new(421, "4.4.2", $"{hostname} Error: timeout exceeded");

    public static SmtpReply TooManyConnections(string hostname) => new(421, "4.7.0", $"{hostname} Error: too many connections, try again later");

    /// <summary>A client over <c>Limits:ConnectionRatePerIp</c>; Postfix's text, naming the address so the sender's admin can tell.</summary>
    public static SmtpReply TooManyConnectionsFrom(string hostname, System.Net.IPAddress client) =>
        new(421, "4.7.0", $"{hostname} Error: too many connections from {client}, try again later");

    /// <summary>RFC 6647 greylisting: a temporary refusal that a real MTA retries and most spamware does not.</summary>
    public static SmtpReply Greylisted(int seconds) => new(450, "4.7.1", $"Recipient address rejected: Greylisted, try again in {seconds} seconds");

    /// <summary>The client's address is on a DNS blocklist (RFC 5782); Postfix's text, which senders search for.</summary>
    public static SmtpReply Blocklisted(System.Net.IPAddress client, string zone) =>
        new(554, "5.7.1", $"Service unavailable; client [{client}] blocked using {zone}");

    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", $"Ok: queued as {queueId}");

    public static SmtpReply ChunkReceived(long size) => new(250, "2.0.0", $"Ok: {size} octets received");

    public static SmtpReply LineTooLongInData(int limit) =>
        new(554, "5.6.0", $"Message refused: a line is longer than {limit} octets (RFC 5322 §2.1.1)");

    public static SmtpReply Syntax(string status, string text) => new(501, status, text);
}
