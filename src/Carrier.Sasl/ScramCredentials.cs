using System.Security.Cryptography;

namespace Carrier.Sasl;

/// <summary>
/// What a server keeps to check a SCRAM-SHA-256 login (RFC 5802 §3): the salt and iteration count the
/// client needs to derive SaltedPassword, StoredKey = H(HMAC(SaltedPassword, "Client Key")) to check its
/// proof, and ServerKey = HMAC(SaltedPassword, "Server Key") to sign the server's final message.
/// </summary>
public sealed record ScramCredentials(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>Derives the keys from SaltedPassword = Hi(password, salt, i), which is PBKDF2-HMAC-SHA256 with a 32-octet output.</summary>
    public static ScramCredentials FromSaltedPassword(byte[] salt, int iterations, ReadOnlySpan<byte> saltedPassword)
    {
        byte[] clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        return new ScramCredentials(salt, iterations, SHA256.HashData(clientKey), HMACSHA256.HashData(saltedPassword, "Server Key"u8));
    }
}

/// <summary>
/// SCRAM: the client named its user; the protocol looks up that user's <see cref="ScramCredentials"/>
/// (made-up ones for an unknown user) and continues with <see cref="ScramSha256Mechanism.ServerFirst"/>.
/// </summary>
public sealed record ScramCredentialsNeeded(string AuthorizationId, string UserName, ScramSha256Mechanism Mechanism) : SaslStep;

/// <summary>
/// SCRAM: the client sent its proof. The protocol checks it through its login guard with
/// <see cref="ScramSha256Mechanism.ProofHolds"/>, and on success sends <see cref="ScramSha256Mechanism.ServerFinal"/>
/// as a challenge; the client's empty answer to that ends the exchange with <see cref="SaslVerified"/>.
/// </summary>
public sealed record ScramProofReceived(string AuthorizationId, string UserName, ScramSha256Mechanism Mechanism) : SaslStep;

/// <summary>The exchange ended and the protocol has already checked the user: log in the account it found.</summary>
public sealed record SaslVerified(string AuthorizationId, string UserName) : SaslStep;
