using Carrier.Store.Accounts;

namespace Carrier.Directory;

/// <summary>
/// A stored password as PBKDF2 left it: SCRAM-SHA-256's salt, iteration count and SaltedPassword.
/// <see cref="Account"/> is null for a decoy (unknown user), whose key matches no client proof.
/// </summary>
public sealed record PasswordKey(byte[] Salt, int Iterations, byte[] SaltedPassword, Account? Account)
{
    /// <summary>SHA-256's output length, which SCRAM-SHA-256 needs as SaltedPassword.</summary>
    public const int KeyBytes = 32;
}
