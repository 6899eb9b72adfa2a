namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>What a finished command left: its exit code, its standard output, and everything it printed.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string Output, byte[] StandardOutputBytes)
{
    /// <summary>Fails the test with the command's output unless it exited with <paramref name="expected"/>.</summary>
    public CommandResult Expect(int expected)
    {
        Assert.True(ExitCode == expected, $"'{Command}' exited with {ExitCode}, expected {expected}. Output:\n{Output}");
        return this;
    }

    public CommandResult ExpectSuccess() => Expect(0);

    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, byte[]? input = null, TimeSpan? timeout = null)
    {
        using var child = ChildProcess.Start(fileName, arguments, environment, input);
        int exitCode = await child.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(90));
        return new CommandResult(child.Description, exitCode, child.StandardOutput, child.Output, child.StandardOutputBytes);
    }
}
