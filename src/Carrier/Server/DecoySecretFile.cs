using System.Security.Cryptography;

namespace Carrier.Server;

/// <summary>
/// The key behind the decoy SCRAM salts of unknown users, kept in the data directory so a user name gets the
/// same made-up salt after a restart (a salt that changed with each start would tell that the user is unknown).
/// </summary>
public static class DecoySecretFile
{
    public const string FileName = "scram-decoy.key";
    private const int KeyBytes = 32;

    public static byte[] LoadOrCreate(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path) && File.ReadAllBytes(path) is { Length: KeyBytes } existing)
        {
            return existing;
        }

        byte[] key = RandomNumberGenerator.GetBytes(KeyBytes);
        System.IO.Directory.CreateDirectory(dataDirectory);
        string temporary = path + ".new";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        {
            file.Write(key);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return key;
    }
}
