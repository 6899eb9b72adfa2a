namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>Where the built programs and the test scripts are, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The <c>carrier</c> executable that the test command builds before the tests run.</summary>
    public static string CarrierExecutable { get; } = Path.Combine(Root, "src", "Carrier", "bin", "Release", "net10.0", "carrier");

    /// <summary>The Python scripts copied beside the test assembly.</summary>
    public static string Scripts { get; } = Path.Combine(AppContext.BaseDirectory, "Scripts");

    /// <summary>Debian's Python, not whatever a user's PATH puts first: the tests rely on its packaged modules.</summary>
    public const string Python = "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(Scripts, name);

    public static void RequireCarrierExecutable()
    {
        if (!File.Exists(CarrierExecutable))
        {
            throw new InvalidOperationException($"{CarrierExecutable} is missing: build it first with 'dotnet build src/Carrier -c Release' (./test.sh does).");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Carrier.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Carrier.slnx above {AppContext.BaseDirectory}");
    }
}
