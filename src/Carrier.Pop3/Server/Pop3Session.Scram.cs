using Carrier.Sasl;
using Carrier.Store.Accounts;

namespace Carrier.Pop3.Server;

/// <summary>AUTH SCRAM-SHA-256 (RFC 5034 framing): credentials looked up mid-exchange, the proof checked through the login guard.</summary>
public sealed partial class Pop3Session
{
    /// <summary>The account found for the named user (null for an unknown one), then the one whose proof held.</summary>
    private Account? _scramAccount;

    private async Task<bool> ScramStepAsync(SaslStep step)
    {
        switch (step)
        {
            case ScramCredentialsNeeded needed:
                if (needed.AuthorizationId.Length > 0 && !string.Equals(needed.AuthorizationId, needed.UserName, StringComparison.OrdinalIgnoreCase))
                {
                    _sasl = null;
                    return await FailLoginAsync(needed.UserName, "authorization identity differs from the user");
                }

                var key = await _logins.PasswordKeyAsync(needed.UserName, _connection.Aborted);
                _scramAccount = key.Account;
                return await SaslStepAsync(needed.Mechanism.ServerFirst(ScramCredentials.FromSaltedPassword(key.Salt, key.Iterations, key.SaltedPassword)));

            case ScramProofReceived proof:
                var (verdict, account) = await _logins.ScramProofAsync(_connection.RemoteEndPoint.Address, proof.UserName, proof.Mechanism.ProofHolds(), _scramAccount, _connection.Aborted);
                _scramAccount = account;
                if (account is null)
                {
                    _sasl = null;
                    return await FailLoginAsync(proof.UserName, RefusalReason(verdict));
                }

                // RFC 5034 §4: the server's signature goes out as one more challenge, answered by an empty line.
                return await SaslStepAsync(proof.Mechanism.ServerFinal());

            case SaslVerified when _scramAccount is { } verified:
                _sasl = null;
                _scramAccount = null;
                return await OpenMaildropAsync(verified);

            default:
                _sasl = null;
                _scramAccount = null;
                return await FailLoginAsync(null, "SCRAM exchange out of order");
        }
    }
}
