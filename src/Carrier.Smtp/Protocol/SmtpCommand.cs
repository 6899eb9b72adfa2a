namespace Carrier.Smtp.Protocol;

/// <summary>The verbs the grammar knows; the state table and the help text are keyed on them.</summary>
public enum SmtpVerb
{
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Expn,
    Help,
    StartTls,
    Auth,
}

/// <summary>A parsed command line; invalid input is an <see cref="InvalidCommand"/>, never an exception.</summary>
public abstract record SmtpCommand;

public sealed record EhloCommand(string Domain, bool Extended) : SmtpCommand;

public sealed record MailCommand(SmtpPath? ReversePath, MailParameters Parameters) : SmtpCommand;

public sealed record RcptCommand(SmtpPath ForwardPath, RcptParameters Parameters) : SmtpCommand;

public sealed record DataCommand : SmtpCommand;

public sealed record BdatCommand(long ChunkSize, bool Last) : SmtpCommand;

public sealed record RsetCommand : SmtpCommand;

public sealed record NoopCommand : SmtpCommand;

public sealed record QuitCommand : SmtpCommand;

public sealed record VrfyCommand(string Argument) : SmtpCommand;

public sealed record ExpnCommand(string Argument) : SmtpCommand;

public sealed record HelpCommand(string? Topic) : SmtpCommand;

public sealed record StartTlsCommand : SmtpCommand;

public sealed record AuthCommand(string Mechanism, string? InitialResponse) : SmtpCommand;

/// <summary>A line the grammar refused, with the reply that says why. <see cref="Verb"/> is set when the verb was known.</summary>
public sealed record InvalidCommand(SmtpVerb? Verb, SmtpReply Reply) : SmtpCommand;

/// <summary>RFC 1652/6152 BODY values.</summary>
public enum BodyType
{
    SevenBit,
    EightBitMime,
}

/// <summary>RFC 3461 RET: what a failure DSN returns of the message.</summary>
public enum DsnReturn
{
    Unspecified,
    Full,
    Headers,
}

/// <summary>RFC 3461 NOTIFY conditions.</summary>
[Flags]
public enum DsnNotify
{
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>Parameters of MAIL FROM (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET/ENVID, RFC 4954 AUTH).</summary>
public sealed record MailParameters
{
    public static readonly MailParameters None = new();

    public long? DeclaredSize { get; init; }

    public BodyType Body { get; init; }

    public bool SmtpUtf8 { get; init; }

    public DsnReturn Return { get; init; }

    /// <summary>RFC 3461 ENVID, decoded from xtext.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 4954 AUTH= value as sent (xtext), or null.</summary>
    public string? Auth { get; init; }
}

/// <summary>Parameters of RCPT TO (RFC 3461 NOTIFY and ORCPT).</summary>
public sealed record RcptParameters
{
    public static readonly RcptParameters None = new();

    public DsnNotify Notify { get; init; }

    /// <summary>RFC 3461 ORCPT as <c>addr-type;address</c>, the address decoded from xtext.</summary>
    public string? OriginalRecipient { get; init; }
}
