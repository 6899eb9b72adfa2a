using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Carrier.Tests.Sasl;

/// <summary>The client side of SCRAM-SHA-256 (RFC 5802 §3), written from the RFC to drive the server in tests.</summary>
public sealed class ScramClient
{
    private readonly string _password;
    private readonly string _clientFirstBare;
    private byte[] _expectedServerSignature = [];

    public ScramClient(string user, string password, string? nonce = null, string gs2Header = "n,,")
    {
        _password = password;
        Gs2Header = gs2Header;
        _clientFirstBare = "n=" + user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal) +
            ",r=" + (nonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
    }

    public string Gs2Header { get; }

    public string ClientFirst => Gs2Header + _clientFirstBare;

    public byte[] ClientFirstBytes => Encoding.UTF8.GetBytes(ClientFirst);

    /// <summary>The client-final message for this server-first message; a wrong password gives a proof that does not hold.</summary>
    public string ClientFinal(string serverFirst)
    {
        var attributes = serverFirst.Split(',').ToDictionary(a => a[..1], a => a[2..], StringComparer.Ordinal);
        byte[] salt = Convert.FromBase64String(attributes["s"]);
        int iterations = int.Parse(attributes["i"], CultureInfo.InvariantCulture);
        byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, HashAlgorithmName.SHA256, 32);
        byte[] clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8.ToArray());
        byte[] storedKey = SHA256.HashData(clientKey);
        string withoutProof = "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(Gs2Header)) + ",r=" + attributes["r"];
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] signature = HMACSHA256.HashData(storedKey, authMessage);
        byte[] proof = [.. clientKey.Zip(signature, (k, s) => (byte)(k ^ s))];
        _expectedServerSignature = HMACSHA256.HashData(HMACSHA256.HashData(saltedPassword, "Server Key"u8.ToArray()), authMessage);
        return withoutProof + ",p=" + Convert.ToBase64String(proof);
    }

    public byte[] ClientFinalBytes(byte[] serverFirst) => Encoding.UTF8.GetBytes(ClientFinal(Encoding.UTF8.GetString(serverFirst)));

    /// <summary>Whether the server's final message proves it knows the user's keys.</summary>
    public bool ServerFinalHolds(string serverFinal) =>
        serverFinal == "v=" + Convert.ToBase64String(_expectedServerSignature);
}
