using System.Net;
using Carrier.Store.Accounts;

namespace Carrier.Directory;

/// <summary>
/// The credential checks a protocol session makes, through the <see cref="LoginGuard"/> when the server has
/// one (it always does; sessions built without one, as in some tests, check the directory directly).
/// </summary>
public sealed class LoginChecks(MailDirectory directory, LoginGuard? guard)
{
    /// <summary>A user name and password (PLAIN, LOGIN, USER/PASS, IMAP LOGIN).</summary>
    public async ValueTask<(LoginVerdict Verdict, Account? Account)> PasswordAsync(IPAddress client, string user, string password, CancellationToken cancellationToken) =>
        guard is null
            ? Unguarded(await directory.AuthenticateAsync(user, password, cancellationToken))
            : await guard.AuthenticateAsync(client, user, password, cancellationToken);

    /// <summary>The stored key SCRAM-SHA-256 starts from (a decoy for an unknown user).</summary>
    public ValueTask<PasswordKey> PasswordKeyAsync(string user, CancellationToken cancellationToken) =>
        directory.GetPasswordKeyAsync(user, cancellationToken);

    /// <summary>
    /// A SCRAM proof the mechanism has already checked against <paramref name="found"/>'s key: counted as a
    /// failure or success like a password, so guessing through SCRAM is throttled the same way.
    /// </summary>
    public async ValueTask<(LoginVerdict Verdict, Account? Account)> ScramProofAsync(IPAddress client, string user, bool proofHolds, Account? found, CancellationToken cancellationToken)
    {
        var account = proofHolds ? found : null;
        return guard is null
            ? Unguarded(account)
            : await guard.CheckAsync(client, user, _ => ValueTask.FromResult(account), cancellationToken);
    }

    private static (LoginVerdict, Account?) Unguarded(Account? account) =>
        (account is null ? LoginVerdict.Refused : LoginVerdict.Accepted, account);
}
