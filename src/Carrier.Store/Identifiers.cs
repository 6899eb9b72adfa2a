using System.Security.Cryptography;

namespace Carrier.Store;

/// <summary>
/// Unique, time-ordered identifiers for queue entries and blobs: 10 characters of milliseconds since
/// the Unix epoch and 6 random characters, in Crockford's base 32 (no I, L, O, U), so that ids sort by
/// arrival and read unambiguously in logs.
/// </summary>
public static class Identifiers
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(TimeProvider time)
    {
        Span<char> id = stackalloc char[16];
        long ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        for (int i = 9; i >= 0; i--)
        {
            id[i] = Alphabet[(int)(ms % Alphabet.Length)];
            ms /= Alphabet.Length;
        }

        Span<byte> random = stackalloc byte[6];
        RandomNumberGenerator.Fill(random);
        for (int i = 0; i < 6; i++)
        {
            id[10 + i] = Alphabet[random[i] % Alphabet.Length];
        }

        return new string(id);
    }
}
