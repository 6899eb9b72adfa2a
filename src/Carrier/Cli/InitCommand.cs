using System.CommandLine;
using Carrier.Configuration;
using Carrier.Net.Listeners;
using Carrier.Net.Tls;
using Carrier.Store.Embedded;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Cli;

internal static class InitCommand
{
    public static Command Create()
    {
        var hostname = new Option<string>("--hostname") { Description = "This server's fully qualified name, as in MX records", Required = true, HelpName = "NAME" };
        var domains = new Option<string[]>("--domain") { Description = "A domain whose mail this server receives (repeat for more)", HelpName = "DOMAIN", Arity = ArgumentArity.ZeroOrMore };
        var listen = new Option<string[]>("--listen") { Description = "An address:port for SMTP (repeat for more; default 0.0.0.0:25)", HelpName = "ADDR:PORT", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing carrier.json" };
        var command = new Command("init", """
            Create a data directory: a commented carrier.json and an empty store.

            Example:
              carrier init --data ./carrier-data --hostname mail.example.org --domain example.org --listen 127.0.0.1:2525
            """)
        {
            hostname, domains, listen, force,
        };
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(async () =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            string file = Path.Combine(data, ConfigurationLoader.FileName);
            if (File.Exists(file) && !parse.GetValue(force))
            {
                throw new CliException($"{file} exists already; use --force to overwrite it.");
            }

            string host = parse.GetValue(hostname)!.Trim().TrimEnd('.').ToLowerInvariant();
            if (!ConfigurationValidator.IsDomainName(host))
            {
                throw new CliException($"'{host}' is not a host name; give the fully qualified name, such as mail.example.org.", ExitCodes.Usage);
            }

            var domainList = (parse.GetValue(domains) ?? []).Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).Distinct().ToList();
            foreach (string domain in domainList.Where(d => !ConfigurationValidator.IsDomainName(d)))
            {
                throw new CliException($"'{domain}' is not a domain name.", ExitCodes.Usage);
            }

            var listenList = parse.GetValue(listen) is { Length: > 0 } given ? given.ToList() : ["0.0.0.0:25"];
            foreach (string endpoint in listenList)
            {
                if (!ListenEndpoint.TryParse(endpoint, out _, out string? error))
                {
                    throw new CliException($"--listen {error}", ExitCodes.Usage);
                }
            }

            System.IO.Directory.CreateDirectory(data);
            await File.WriteAllTextAsync(file, ConfigurationTemplate.Render(host, domainList, listenList));
            await using (EmbeddedStore.Open(data, new EmbeddedStoreOptions(), CliContext.Time, NullLogger.Instance))
            {
            }

            string certificateFile = Path.Combine(data, "tls", "cert.pem");
            string keyFile = Path.Combine(data, "tls", "key.pem");
            bool createdCertificate = !File.Exists(certificateFile) && !File.Exists(keyFile);
            if (createdCertificate)
            {
                SelfSignedCertificate.Create(host, certificateFile, keyFile, CliContext.Time.GetUtcNow());
            }

            Console.WriteLine($"Created {file}");
            Console.WriteLine($"Created the store in {data} (schema version {EmbeddedStore.SchemaVersion})");
            if (createdCertificate)
            {
                Console.WriteLine($"Created a self-signed TLS certificate for {host} in {Path.GetDirectoryName(certificateFile)}; set Tls:CertificateFile and Tls:KeyFile to use one from a CA");
            }

            Console.WriteLine();
            Console.WriteLine("Next:");
            Console.WriteLine($"  carrier user add user@{domainList.FirstOrDefault() ?? "example.org"} --data {data}");
            Console.WriteLine($"  carrier serve --data {data}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
