using System.CommandLine;
using Carrier.Configuration;
using Carrier.Delivery.Dkim;

namespace Carrier.Cli;

internal static class DkimCommands
{
    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The domain whose outbound mail is signed (the From: domain)" };
        var selector = new Option<string?>("--selector") { Description = "Selector name; default: carrier-rsa and carrier-ed25519 (or a date-based name if those exist)" };
        var type = new Option<string>("--type") { Description = "rsa, ed25519, or both (default): RSA for every verifier, Ed25519 for those that know it", DefaultValueFactory = _ => "both" };
        var generate = new Command("generate", """
            Create DKIM signing keys for a domain (RSA 2048, RFC 6376; Ed25519, RFC 8463) in the data
            directory (dkim/DOMAIN/SELECTOR.key) and print the TXT records to publish. Mail written here
            (submitted by users, from sendmail, and bounces) whose From: is in the domain is signed with
            every key of the domain from the next start of the server.

            Example:
              carrier dkim generate example.org
              carrier dkim generate example.org --type rsa --selector 2026q4
            """) { domain, selector, type };
        generate.SetAction((parse, ct) => CliContext.RunAsync(() =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            string name = parse.GetValue(domain)!.Trim().TrimEnd('.').ToLowerInvariant();
            if (!ConfigurationValidator.IsDomainName(name))
            {
                throw new CliException($"'{name}' is not a domain name.", ExitCodes.Usage);
            }

            DkimKeyType[] types = parse.GetValue(type)!.ToLowerInvariant() switch
            {
                "rsa" => [DkimKeyType.Rsa],
                "ed25519" => [DkimKeyType.Ed25519],
                "both" => [DkimKeyType.Rsa, DkimKeyType.Ed25519],
                var other => throw new CliException($"--type '{other}' is not rsa, ed25519 or both.", ExitCodes.Usage),
            };
            string? given = parse.GetValue(selector);
            if (given is not null && types.Length > 1)
            {
                throw new CliException("--selector names one key; with it, choose --type rsa or --type ed25519.", ExitCodes.Usage);
            }

            foreach (var keyType in types)
            {
                string chosen = given ?? DefaultSelector(data, name, keyType);
                var pair = DkimKeys.Generate(name, chosen, keyType);
                try
                {
                    DkimKeys.Save(data, pair);
                }
                catch (IOException e)
                {
                    throw new CliException(e.Message, ExitCodes.CantCreate);
                }

                Console.WriteLine($"Created {Path.Combine(DkimKeys.DomainDirectory(data, name), chosen + ".key")} ({keyType}). Publish:");
                Console.WriteLine(ZoneRecords.Txt(pair.DnsName + ".", pair.DnsRecord));
            }

            Console.WriteLine();
            Console.WriteLine("Restart the server to sign with the new keys; check the records with: carrier dns records " + name);
            return Task.FromResult(ExitCodes.Ok);
        }));

        return new Command("dkim", "Manage DKIM signing keys: generate") { generate };
    }

    private static string DefaultSelector(string data, string domain, DkimKeyType type)
    {
        string basic = type == DkimKeyType.Rsa ? "carrier-rsa" : "carrier-ed25519";
        string folder = DkimKeys.DomainDirectory(data, domain);
        if (!File.Exists(Path.Combine(folder, basic + ".key")))
        {
            return basic;
        }

        return $"{basic}-{CliContext.Time.GetUtcNow():yyyyMMddHHmmss}";
    }
}
