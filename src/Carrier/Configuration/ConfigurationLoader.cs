using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Carrier.Configuration;

/// <summary>
/// Builds the configuration: built-in defaults, then <c>carrier.json</c> in the data directory (comments
/// allowed), then environment variables <c>CARRIER_Section__Key</c>, each overriding the one before.
/// </summary>
public static partial class ConfigurationLoader
{
    public const string FileName = "carrier.json";
    public const string EnvironmentPrefix = "CARRIER_";

    /// <summary>Top-level keys Carrier knows; anything else is reported, because it is almost always a typo.</summary>
    private static readonly HashSet<string> KnownSections = new(StringComparer.OrdinalIgnoreCase)
    {
        "Hostname", "Postmaster", "Domains", "Smtp", "Pop3", "Imap", "Imaps", "Pop3s", "Submission", "Submissions", "Tls", "Auth", "Limits", "Timeouts", "Queue", "Store", "Dns", "Relay", "Transport", "Delivery", "Authentication", "Logging",

        // CARRIER_DATA names the data directory; it is read before the configuration exists.
        "DATA",
    };

    /// <summary>
    /// The data directory: <paramref name="fromCommandLine"/>, else <c>$CARRIER_DATA</c>, else
    /// <c>~/.local/share/carrier</c> (the embedded default that needs no set-up).
    /// </summary>
    public static string ResolveDataDirectory(string? fromCommandLine)
    {
        string? chosen = fromCommandLine ?? Environment.GetEnvironmentVariable("CARRIER_DATA");
        if (string.IsNullOrWhiteSpace(chosen))
        {
            chosen = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "carrier");
        }

        return Path.GetFullPath(chosen);
    }

    /// <summary>Reads and validates; throws <see cref="ConfigurationProblemsException"/> naming every bad key.</summary>
    public static CarrierSettings Load(string dataDirectory, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var (settings, problems) = TryLoad(dataDirectory, overrides);
        if (settings is null)
        {
            throw new ConfigurationProblemsException(problems);
        }

        return settings;
    }

    public static (CarrierSettings? Settings, IReadOnlyList<ConfigProblem> Problems) TryLoad(string dataDirectory, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        string file = Path.Combine(dataDirectory, FileName);
        var builder = new ConfigurationBuilder();
        if (File.Exists(file))
        {
            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            string detail = e.InnerException?.Message ?? e.Message;
            return (null, [new ConfigProblem(FileName, $"cannot be read: {detail} Fix the JSON (comments and trailing commas are allowed).")]);
        }

        var problems = new List<ConfigProblem>();
        foreach (var section in configuration.GetChildren())
        {
            if (!KnownSections.Contains(section.Key))
            {
                problems.Add(new ConfigProblem(section.Key, "is not a configuration key Carrier knows; check its spelling (see the README's configuration reference)."));
            }
        }

        var options = new CarrierOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            problems.Add(DescribeBindingError(e));
            return (null, problems);
        }

        // Lists are bound by appending, so a default list would merge with the configured one: fill defaults in afterwards.
        if (!configuration.GetSection("Smtp:Listen").Exists())
        {
            options.Smtp.Listen = [.. SmtpOptions.DefaultListen];
        }

        DefaultListen(configuration, "Pop3:Listen", options.Pop3.Listen, "0.0.0.0:110");
        DefaultListen(configuration, "Imap:Listen", options.Imap.Listen, "0.0.0.0:143");
        DefaultListen(configuration, "Pop3s:Listen", options.Pop3s.Listen, "0.0.0.0:995");
        DefaultListen(configuration, "Imaps:Listen", options.Imaps.Listen, "0.0.0.0:993");
        DefaultListen(configuration, "Submission:Listen", options.Submission.Listen, "0.0.0.0:587");
        DefaultListen(configuration, "Submissions:Listen", options.Submissions.Listen, "0.0.0.0:465");

        if (!configuration.GetSection("Relay:TrustedNetworks").Exists())
        {
            options.Relay.TrustedNetworks = [.. RelayOptions.DefaultTrustedNetworks];
        }

        // An explicitly empty list (CARRIER_Relay__TrustedNetworks=) binds as one empty entry.
        options.Relay.TrustedNetworks.RemoveAll(string.IsNullOrWhiteSpace);
        options.Dns.Servers.RemoveAll(string.IsNullOrWhiteSpace);
        options.Smtp.Dnsbl.RemoveAll(string.IsNullOrWhiteSpace);

        foreach (var (name, target) in SectionsToCheck(options))
        {
            var known = target.GetType().GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var child in configuration.GetSection(name).GetChildren())
            {
                if (!known.Contains(child.Key))
                {
                    problems.Add(new ConfigProblem($"{name}:{child.Key}", $"is not a configuration key Carrier knows; the keys of {name} are {string.Join(", ", known.Order())}."));
                }
            }
        }

        var parsed = ConfigurationValidator.Validate(options, problems);
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new CarrierSettings(options, dataDirectory, File.Exists(file) ? file : null, parsed, configuration), problems);
    }

    private static List<(string Name, object Target)> SectionsToCheck(CarrierOptions options) =>
    [
        ("Domains", options.Domains),
        ("Smtp", options.Smtp),
        ("Smtp:Greylisting", options.Smtp.Greylisting),
        ("Pop3", options.Pop3),
        ("Imap", options.Imap),
        ("Pop3s", options.Pop3s),
        ("Imaps", options.Imaps),
        ("Submission", options.Submission),
        ("Submissions", options.Submissions),
        ("Tls", options.Tls),
        ("Auth", options.Auth),
        ("Limits", options.Limits),
        ("Timeouts", options.Timeouts),
        ("Queue", options.Queue),
        ("Store", options.Store),
        ("Dns", options.Dns),
        ("Relay", options.Relay),
        ("Transport", options.Transport),
        ("Delivery", options.Delivery),
    ];

    /// <summary>Fills a listener's default unless configured; an explicitly empty entry turns the listener off.</summary>
    private static void DefaultListen(IConfiguration configuration, string key, List<string> listen, string fallback)
    {
        if (!configuration.GetSection(key).Exists())
        {
            listen.Add(fallback);
        }

        listen.RemoveAll(string.IsNullOrWhiteSpace);
    }

    private static ConfigProblem DescribeBindingError(InvalidOperationException e)
    {
        var value = ConversionError().Match(e.Message);
        if (value.Success)
        {
            string key = value.Groups["key"].Value;
            string type = value.Groups["type"].Value switch
            {
                "System.TimeSpan" => "a duration such as 00:05:00 (hh:mm:ss) or 5.00:00:00 (days)",
                "System.Int32" or "System.Int64" => "a whole number",
                "System.Boolean" => "true or false",
                var other => other,
            };
            return new ConfigProblem(key, $"'{value.Groups["value"].Value}' is not valid here: write {type}.");
        }

        return new ConfigProblem("configuration", e.Message);
    }

    [GeneratedRegex("value '(?<value>[^']*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'")]
    private static partial Regex ConversionError();
}
