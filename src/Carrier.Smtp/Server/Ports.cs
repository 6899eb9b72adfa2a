using Carrier.Sasl;
using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Server;

/// <summary>
/// Decides which senders and recipients a session accepts. The host binds it to the directory and
/// the routing classifier, so the SMTP server holds no policy of its own.
/// </summary>
public interface IRecipientPolicy
{
    /// <summary>Returns null to accept the sender, or the refusal.</summary>
    ValueTask<SmtpReply?> CheckSenderAsync(SmtpSessionContext session, SmtpPath? sender, MailParameters parameters, CancellationToken cancellationToken);

    /// <summary>Returns null to accept the recipient, or the refusal (550 5.1.1, 550 5.7.1, 451 …).</summary>
    ValueTask<SmtpReply?> CheckRecipientAsync(SmtpSessionContext session, SmtpPath? sender, SmtpPath recipient, CancellationToken cancellationToken);
}

/// <summary>Checks AUTH credentials against the directory, in the host.</summary>
public interface ISmtpAuthenticator
{
    /// <summary>The account's canonical address when the password is right; null otherwise.</summary>
    ValueTask<string?> AuthenticateAsync(SmtpSessionContext session, string userName, string password, CancellationToken cancellationToken);

    /// <summary>SCRAM: the user's salt, iteration count and keys; made-up ones for an unknown user, so the answer does not tell who exists.</summary>
    ValueTask<ScramCredentials> GetScramCredentialsAsync(SmtpSessionContext session, string userName, CancellationToken cancellationToken);

    /// <summary>SCRAM: checks the client's proof (<see cref="ScramSha256Mechanism.ProofHolds"/>); the account's canonical address when it holds, null otherwise.</summary>
    ValueTask<string?> VerifyScramAsync(SmtpSessionContext session, string userName, ScramSha256Mechanism exchange, CancellationToken cancellationToken);
}

/// <summary>Where accepted messages go: the queue, in the host.</summary>
public interface IMessageSink
{
    /// <summary>A new queue id for a transaction that begins (shown in the Received: header and in logs).</summary>
    string NewQueueId();

    /// <summary>
    /// Called once MAIL is accepted: work on the sender that can begin before the content arrives (an SPF
    /// check), joined at commit through <see cref="SmtpEnvelope.Check"/>; null when there is none.
    /// </summary>
    ITransactionCheck? BeginChecks(SmtpSessionContext session, SmtpPath? sender);

    /// <summary>A writer for the content of one message; disposing it without commit discards it.</summary>
    IMessageContentWriter CreateContentWriter(string queueId, ITransactionCheck? check);

    /// <summary>
    /// Makes the message durable. The returned reply is sent to the client: 250 only once envelope and
    /// content are on stable storage; 451 when they could not be stored.
    /// </summary>
    ValueTask<SmtpReply> CommitAsync(SmtpEnvelope envelope, IMessageContentWriter content, CancellationToken cancellationToken);
}

/// <summary>Work a sink started for a transaction; disposed (and so abandoned if unfinished) with the transaction.</summary>
public interface ITransactionCheck : IAsyncDisposable;

/// <summary>Receives message content in order; may spill to disk past a threshold.</summary>
public interface IMessageContentWriter : IAsyncDisposable
{
    long Length { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}

/// <summary>An accepted recipient with its DSN parameters.</summary>
public sealed record SmtpRecipient(SmtpPath Path, RcptParameters Parameters);

/// <summary>Everything the queue needs to know about a transaction besides its content.</summary>
public sealed record SmtpEnvelope(
    string QueueId,
    SmtpPath? Sender,
    MailParameters Parameters,
    IReadOnlyList<SmtpRecipient> Recipients,
    SmtpSessionContext Session,
    DateTimeOffset ReceivedAt)
{
    /// <summary>What <see cref="IMessageSink.BeginChecks"/> started for this transaction.</summary>
    public ITransactionCheck? Check { get; init; }
}
