using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// A program started by a test: its standard output and error are collected line by line as they come
/// (for waiting on a log line and for failure messages), and it is killed if the test forgets to stop it.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly MemoryStream _rawStdout = new();
    private readonly Lock _rawLock = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly SemaphoreSlim _newLine = new(0);

    private ChildProcess(Process process, string description)
    {
        _process = process;
        Description = description;
        _stdoutPump = PumpAsync(process.StandardOutput.BaseStream, _rawStdout);
        _stderrPump = PumpAsync(process.StandardError.BaseStream, null);
    }

    public string Description { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Standard output and error as they interleaved.</summary>
    public string Output => string.Join("\n", _lines);

    public string StandardOutput => string.Join("\n", _stdout);

    /// <summary>Standard output exactly as written.</summary>
    public byte[] StandardOutputBytes
    {
        get
        {
            lock (_rawLock)
            {
                return _rawStdout.ToArray();
            }
        }
    }

    /// <summary>Starts a program. Inherited CARRIER_ variables are removed so that only <paramref name="environment"/> configures it.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, byte[]? input = null, string? argv0 = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("CARRIER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var child = new ChildProcess(process, $"{argv0 ?? Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}");
        child.FeedInput(input);
        return child;
    }

    /// <summary>Waits for a line of output that matches; throws with everything printed so far when it does not come.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string? found = _lines.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (_process.HasExited && _stdoutPump.IsCompleted && _stderrPump.IsCompleted)
            {
                throw new InvalidOperationException($"{Description} exited with {_process.ExitCode} before {what}. Output:\n{Output}");
            }

            try
            {
                await _newLine.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} did not happen within {timeout}. Output of {Description}:\n{Output}");
            }
        }
    }

    /// <summary>Counts the lines of output that match, for progress checks.</summary>
    public int CountLines(Func<string, bool> match) => _lines.Count(match);

    /// <summary>Waits for the program to end; kills it and throws when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Description} did not exit within {timeout}. Output:\n{Output}");
        }

        await Task.WhenAll(_stdoutPump, _stderrPump);
        return _process.ExitCode;
    }

    /// <summary>Sends a signal by name (TERM, INT) with the system's kill program.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/kill") { ArgumentList = { "-s", signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run /bin/kill");
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL: the process gets no chance to clean up.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                _process.WaitForExit(30_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _newLine.Dispose();
        _rawStdout.Dispose();
    }

    /// <summary>Copies a stream's bytes (kept exact, for binary comparisons) and splits them into lines as they come.</summary>
    private async Task PumpAsync(Stream stream, MemoryStream? raw)
    {
        var line = new List<byte>();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            lock (_rawLock)
            {
                raw?.Write(buffer, 0, read);
            }

            foreach (byte b in buffer.AsSpan(0, read))
            {
                if (b == (byte)'\n')
                {
                    AddLine(line, raw is not null);
                    line.Clear();
                }
                else
                {
                    line.Add(b);
                }
            }
        }

        if (line.Count > 0)
        {
            AddLine(line, raw is not null);
        }
    }

    private void AddLine(List<byte> bytes, bool isStandardOutput)
    {
        int length = bytes.Count > 0 && bytes[^1] == (byte)'\r' ? bytes.Count - 1 : bytes.Count;
        string text = Encoding.UTF8.GetString([.. bytes.Take(length)]);
        if (isStandardOutput)
        {
            _stdout.Enqueue(text);
        }

        _lines.Enqueue(text);
        _newLine.Release();
    }

    private void FeedInput(byte[]? input)
    {
        try
        {
            if (input is not null)
            {
                _process.StandardInput.BaseStream.Write(input);
            }

            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program ended without reading all of its input; its exit code tells the test why.
        }
    }
}
