namespace Carrier.Configuration;

/// <summary>One thing wrong with the configuration: the key that causes it, and what to do.</summary>
public sealed record ConfigProblem(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>The configuration could not be used; the message lists every problem with its key.</summary>
public sealed class ConfigurationProblemsException : Exception
{
    public ConfigurationProblemsException(IReadOnlyList<ConfigProblem> problems)
        : base("The configuration has problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
    {
        Problems = problems;
    }

    public ConfigurationProblemsException()
    {
        Problems = [];
    }

    public ConfigurationProblemsException(string message)
        : base(message)
    {
        Problems = [];
    }

    public ConfigurationProblemsException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [];
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }
}
