using System.Collections.Concurrent;
using System.Diagnostics;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// A program the lab started (a DNS server, an SMTP peer), with its output kept for failure messages.
/// Stopped by its own process id, never by name.
/// </summary>
public sealed class LabProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _readyLine;

    private LabProcess(Process process, string name, string? readyLine)
    {
        _process = process;
        Name = name;
        _readyLine = readyLine;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join("\n", _output);

    /// <summary>Starts <paramref name="program"/>; with <paramref name="readyLine"/>, waits until a line of output contains it.</summary>
    public static async Task<LabProcess> StartAsync(string name, string program, IEnumerable<string> arguments, string? readyLine = null, TimeSpan? readyTimeout = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var lab = new LabProcess(process, name, readyLine);
        process.OutputDataReceived += (_, e) => lab.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => lab.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (readyLine is not null)
        {
            var timeout = Task.Delay(readyTimeout ?? TimeSpan.FromSeconds(15));
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(lab._ready.Task, timeout, exited);
            if (first != lab._ready.Task)
            {
                await lab.DisposeAsync();
                throw new InvalidOperationException($"{name} did not start ({(first == exited ? "it exited" : "no ready line")}): {lab.Output}");
            }
        }

        return lab;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_output.Count < 2000)
        {
            _output.Enqueue(line);
        }

        if (_readyLine is not null && line.Contains(_readyLine, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line);
        }
    }

    /// <summary>Runs a command to its end; throws with its output unless it exits with 0 (or <paramref name="allowFailure"/>).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, bool allowFailure = false, string? input = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} did not finish");
        }

        string output = (await stdout) + (await stderr);
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {output}");
        }

        return (process.ExitCode, output);
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything (a crash, a power cut).</summary>
    public async Task KillHardAsync()
    {
        await RunAsync("kill", ["-KILL", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first so that servers remove their children (NSD, Postfix's master); then insist.
                await RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], allowFailure: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }
}
