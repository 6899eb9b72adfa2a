namespace Carrier.Queue;

/// <summary>The three ends of a delivery attempt for one recipient.</summary>
public enum OutcomeKind
{
    Delivered,
    TemporaryFailure,
    PermanentFailure,
}

/// <summary>
/// What happened to one recipient in one attempt: the kind, the RFC 3463 status, the reply or reason as a
/// DSN's diagnostic would give it, and where the attempt went (<c>local</c>, or <c>host[ip]:port</c>).
/// </summary>
/// <param name="RemoteMta">The remote server's name when an SMTP server answered; the DSN's Remote-MTA.</param>
/// <param name="SmtpDiagnostic">True when <paramref name="Diagnostic"/> is a remote server's SMTP reply (DSN diagnostic type "smtp").</param>
/// <param name="Diagnostic">The text for a DSN's Diagnostic-Code when it differs from the log text in <paramref name="Reply"/>.</param>
/// <param name="NotifyPassedOn">True when the next hop took over RFC 3461 notifications, so no success DSN is owed here.</param>
public sealed record DeliveryOutcome(
    OutcomeKind Kind,
    string Status,
    string Reply,
    string Relay,
    string? RemoteMta = null,
    bool SmtpDiagnostic = false,
    string? Diagnostic = null,
    bool NotifyPassedOn = false)
{
    public static DeliveryOutcome Delivered(string relay, string reply, string status = "2.0.0") =>
        new(OutcomeKind.Delivered, status, reply, relay);

    public static DeliveryOutcome Temporary(string status, string reason, string relay) =>
        new(OutcomeKind.TemporaryFailure, status, reason, relay);

    public static DeliveryOutcome Permanent(string status, string reason, string relay) =>
        new(OutcomeKind.PermanentFailure, status, reason, relay);
}

/// <summary>The outcome for the recipient at <paramref name="Index"/> of the message.</summary>
public sealed record RecipientOutcome(int Index, DeliveryOutcome Outcome);
