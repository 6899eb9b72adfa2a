using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Carrier.Directory;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the PHC-like form
/// <c>$pbkdf2-sha256$i=600000$salt$hash</c> (base64). 600,000 iterations is OWASP's 2023 figure for
/// this function; the count is stored in each hash, so raising it later keeps old hashes valid.
/// </summary>
public sealed class PasswordHasher
{
    public const int DefaultIterations = 600_000;
    private const string Prefix = "$pbkdf2-sha256$";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        Iterations = iterations;
    }

    public int Iterations { get; }

    public string Hash(string password)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Prefix}i={Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Checks a password in constant time with respect to the stored hash; a malformed hash never matches.</summary>
    public static bool Verify(string password, string stored)
    {
        if (!TryParse(stored, out var salt, out int iterations, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>
    /// Splits a stored hash into salt, iteration count and derived key. With a 32-octet key that key is
    /// SCRAM-SHA-256's SaltedPassword (RFC 5802 §3), so SCRAM needs no other stored form.
    /// </summary>
    public static bool TryParse(string stored, out byte[] salt, out int iterations, out byte[] hash)
    {
        salt = hash = [];
        iterations = 0;
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = stored[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !parts[0].StartsWith("i=", StringComparison.Ordinal) ||
            !int.TryParse(parts[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out iterations) ||
            iterations is < 1000 or > 10_000_000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[1]);
            hash = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        // An empty hash would equal the empty key derived for any password; Carrier never writes an empty salt either.
        return salt.Length > 0 && hash.Length > 0;
    }
}
