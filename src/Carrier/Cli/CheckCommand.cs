using System.CommandLine;
using Carrier.Configuration;
using Carrier.Routing.Addresses;
using Carrier.Store.Embedded;

namespace Carrier.Cli;

internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", """
            Validate the configuration (carrier.json and CARRIER_ environment variables) and print every
            problem with the key that causes it. Exits 0 when the server can start, 78 when it cannot.

            Example:
              carrier check --data ./carrier-data
            """);
        command.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            var (settings, problems) = ConfigurationLoader.TryLoad(data);
            string file = Path.Combine(data, ConfigurationLoader.FileName);
            Console.WriteLine($"Data directory: {data}");
            Console.WriteLine($"Configuration:  {(File.Exists(file) ? file : "no carrier.json: built-in defaults")}");
            if (settings is null)
            {
                Console.WriteLine();
                Console.WriteLine($"{problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}:");
                foreach (var problem in problems)
                {
                    Console.WriteLine($"  {problem.Key}: {problem.Message}");
                }

                return ExitCodes.Config;
            }

            Console.WriteLine($"Hostname:       {settings.Hostname}");
            Console.WriteLine($"SMTP listens:   {string.Join(", ", settings.SmtpListen)}");
            foreach (string warning in await WarningsAsync(settings, ct))
            {
                Console.WriteLine($"warning: {warning}");
            }

            Console.WriteLine("Configuration OK");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<List<string>> WarningsAsync(CarrierSettings settings, CancellationToken cancellationToken)
    {
        var warnings = new List<string>();
        bool isRoot = Environment.UserName == "root";
        foreach (var endpoint in settings.SmtpListen.Where(e => e.Port is > 0 and < 1024 && !isRoot))
        {
            warnings.Add($"Smtp:Listen: port {endpoint.Port} needs root or CAP_NET_BIND_SERVICE.");
        }

        if (!File.Exists(Path.Combine(settings.DataDirectory, EmbeddedStore.DatabaseFileName)))
        {
            if (settings.Options.Domains.Local.Count == 0)
            {
                warnings.Add("Domains:Local is empty: the server will refuse every recipient. Add a domain with 'carrier init' or 'carrier domain add'.");
            }

            return warnings;
        }

        await using var store = EmbeddedStore.Open(settings.DataDirectory, new EmbeddedStoreOptions(), CliContext.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var directory = Server.CarrierServer.CreateDirectory(settings, store, CliContext.Time);
        var domains = await directory.ListLocalDomainsAsync(cancellationToken);
        if (domains.Count == 0)
        {
            warnings.Add("no local domains (Domains:Local is empty and none were added): the server will refuse every recipient.");
        }

        foreach (var (domain, _) in domains)
        {
            var postmaster = await directory.ResolveAsync(EmailAddress.Create("postmaster", domain), cancellationToken);
            if (!postmaster.IsDeliverable)
            {
                warnings.Add($"mail for postmaster@{domain} has nowhere to go: create that account, alias it, or set Postmaster (RFC 5321 §4.5.1).");
            }
        }

        return warnings;
    }
}
