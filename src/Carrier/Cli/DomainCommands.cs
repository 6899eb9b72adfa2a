using System.CommandLine;

namespace Carrier.Cli;

internal static class DomainCommands
{
    public static Command Create()
    {
        var addName = new Argument<string>("domain") { Description = "The domain to receive mail for" };
        var add = new Command("add", """
            Make a domain local (its mailboxes are on this server), in addition to Domains:Local in carrier.json.

            Example:
              carrier domain add example.net
            """) { addName };
        add.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string domain = parse.GetValue(addName)!;
            bool added = await context.Directory.AddDomainAsync(domain, ct);
            Console.WriteLine(added ? $"Added {domain}" : $"{domain} was already local");
            return ExitCodes.Ok;
        }));

        var delName = new Argument<string>("domain") { Description = "The domain to stop receiving mail for" };
        var del = new Command("del", """
            Remove a domain added with 'domain add'. Its accounts and aliases must be deleted first.

            Example:
              carrier domain del example.net
            """) { delName };
        del.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string domain = parse.GetValue(delName)!;
            if (!await context.Directory.RemoveDomainAsync(domain, ct))
            {
                throw new CliException($"{domain} is not a local domain.");
            }

            Console.WriteLine($"Removed {domain}");
            return ExitCodes.Ok;
        }));

        var list = new Command("list", """
            List local domains and where each is declared.

            Example:
              carrier domain list
            """);
        list.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            foreach (var (domain, source) in await context.Directory.ListLocalDomainsAsync(ct))
            {
                Console.WriteLine($"{domain,-40} local, from {source}");
            }

            foreach (string relay in context.Settings.Options.Domains.Relay)
            {
                Console.WriteLine($"{relay,-40} relay (backup MX), from configuration (Domains:Relay)");
            }

            return ExitCodes.Ok;
        }));

        return new Command("domain", "Manage local domains: add, del, list") { add, del, list };
    }
}
