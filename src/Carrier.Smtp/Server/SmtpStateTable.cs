using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Server;

/// <summary>
/// Which verbs each phase allows, as data. A verb outside its phases gets the reply in the table,
/// so "503 need MAIL" and friends come from one place and are tested phase by verb.
/// </summary>
public static class SmtpStateTable
{
    private static readonly SmtpReply StartTlsInTransaction = new(503, "5.5.1", "Error: STARTTLS is not allowed during a mail transaction");
    private static readonly SmtpReply AuthInTransaction = new(503, "5.5.1", "Error: MAIL transaction in progress");

    /// <summary>Returns null when <paramref name="verb"/> is allowed in <paramref name="phase"/>, otherwise the refusal.</summary>
    public static SmtpReply? Refusal(SmtpPhase phase, SmtpVerb verb) => (verb, phase) switch
    {
        (SmtpVerb.Rset or SmtpVerb.Noop or SmtpVerb.Quit, _) => null,

        (_, SmtpPhase.Chunking) when verb != SmtpVerb.Bdat => SmtpReplies.BdatInProgress,

        (SmtpVerb.Ehlo or SmtpVerb.Helo or SmtpVerb.Vrfy or SmtpVerb.Expn or SmtpVerb.Help, _) => null,

        (SmtpVerb.Mail, SmtpPhase.Connected) => SmtpReplies.NeedHelo,
        (SmtpVerb.Mail, SmtpPhase.Greeted) => null,
        (SmtpVerb.Mail, _) => SmtpReplies.NestedMail,

        (SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat, SmtpPhase.Connected) => SmtpReplies.NeedHelo,
        (SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat, SmtpPhase.Greeted) => SmtpReplies.NeedMail,
        (SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat, _) => null,

        (SmtpVerb.StartTls or SmtpVerb.Auth, SmtpPhase.Connected) => SmtpReplies.NeedHelo,
        (SmtpVerb.StartTls, SmtpPhase.Greeted) => null,
        (SmtpVerb.StartTls, _) => StartTlsInTransaction,
        (SmtpVerb.Auth, SmtpPhase.Greeted) => null,
        (SmtpVerb.Auth, _) => AuthInTransaction,

        _ => SmtpReplies.CommandUnrecognized,
    };
}
