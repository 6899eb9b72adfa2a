using System.Net;
using Carrier.Configuration;
using Carrier.Directory;
using Carrier.Sasl;
using Carrier.Smtp.Server;
using Microsoft.Extensions.Logging;

namespace Carrier.Server;

/// <summary>SMTP AUTH against the directory, through the shared <see cref="LoginGuard"/>; failures are logged with the client.</summary>
public sealed partial class DirectoryAuthenticator : ISmtpAuthenticator
{
    private readonly LoginChecks _logins;
    private readonly ILogger _logger;

    public DirectoryAuthenticator(MailDirectory directory, LoginGuard guard, ILogger logger)
    {
        _logins = new LoginChecks(directory, guard);
        _logger = logger;
    }

    public async ValueTask<string?> AuthenticateAsync(SmtpSessionContext session, string userName, string password, CancellationToken cancellationToken)
    {
        var (verdict, account) = await _logins.PasswordAsync(session.RemoteEndPoint.Address, userName, password, cancellationToken);
        if (verdict == LoginVerdict.Blocked)
        {
            LogBlocked(session.ClientDescription, userName);
        }

        return account?.Address;
    }

    public async ValueTask<ScramCredentials> GetScramCredentialsAsync(SmtpSessionContext session, string userName, CancellationToken cancellationToken)
    {
        var key = await _logins.PasswordKeyAsync(userName, cancellationToken);
        return ScramCredentials.FromSaltedPassword(key.Salt, key.Iterations, key.SaltedPassword);
    }

    public async ValueTask<string?> VerifyScramAsync(SmtpSessionContext session, string userName, ScramSha256Mechanism exchange, CancellationToken cancellationToken)
    {
        // This authenticator serves every session, so it keeps no account between the two steps: a decoy key
        // (unknown user) matches no proof, and the account is read again only for a proof that holds.
        bool holds = exchange.ProofHolds();
        var found = holds ? (await _logins.PasswordKeyAsync(userName, cancellationToken)).Account : null;
        var (verdict, account) = await _logins.ScramProofAsync(session.RemoteEndPoint.Address, userName, holds, found, cancellationToken);
        if (verdict == LoginVerdict.Blocked)
        {
            LogBlocked(session.ClientDescription, userName);
        }

        return account?.Address;
    }

    /// <summary>The rule of <c>Auth:PlaintextWithoutTls</c> as a predicate on the client's address.</summary>
    public static Func<IPAddress, bool> PlaintextAllowed(PlaintextAuth rule) => rule switch
    {
        PlaintextAuth.Always => _ => true,
        PlaintextAuth.Loopback => IPAddress.IsLoopback,
        _ => _ => false,
    };

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "{Client}: login as {User} refused without checking: too many recent failures from this client or for this user")]
    private partial void LogBlocked(string client, string user);
}
