namespace Carrier.Server;

/// <summary>
/// An exclusive lock on the data directory held by the running server, so that two servers never deliver
/// from one queue. Administration commands do not take it: they may run beside the server.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file)
    {
        _file = file;
    }

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        string path = Path.Combine(dataDirectory, "carrier.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId);
            }

            file.Flush();
            return new DataDirectoryLock(file);
        }
        catch (IOException)
        {
            string owner = TryReadOwner(path);
            throw new InvalidOperationException(
                $"Another Carrier server{owner} is already running on the data directory {dataDirectory}. Stop it first, or give this one its own --data directory.");
        }
    }

    private static string TryReadOwner(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            string pid = reader.ReadToEnd().Trim();
            return pid.Length > 0 ? $" (process {pid})" : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public void Dispose() => _file.Dispose();
}
