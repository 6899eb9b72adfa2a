using System.CommandLine;
using Carrier.Configuration;
using Carrier.Routing.Dns;
using Carrier.Routing.Planning;
using Carrier.Server;
using Carrier.Store.Embedded;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Cli;

internal static class DnsCommands
{
    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The mail domain, as in user@domain" };
        var mx = new Command("mx", """
            Show a domain's MX records and their addresses (like nslookup -q=mx), then what Carrier would do
            with mail for it: deliver locally, relay as backup MX, or send to which hosts in which order,
            bounce or defer, and why. Uses the DNS servers of the configuration (Dns:Servers).

            Example:
              carrier dns mx example.org
            """) { domain };
        mx.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            var settings = ConfigurationLoader.Load(data);
            string name = parse.GetValue(domain)!.Trim().TrimEnd('.').ToLowerInvariant();
            var router = CarrierServer.CreateMxRouter(settings);
            var dns = new DnsClientResolver(new DnsOptions { Servers = settings.Parsed.DnsServers, Timeout = settings.Options.Dns.Timeout, Retries = settings.Options.Dns.Retries });

            Console.WriteLine($"Server:  {string.Join(", ", dns.Servers)}");
            Console.WriteLine();
            var answer = await dns.ResolveMxAsync(name, ct);
            switch (answer.Status)
            {
                case DnsStatus.Ok:
                    foreach (var record in answer.Records.OrderBy(r => r.Preference))
                    {
                        Console.WriteLine(record.IsNullMx
                            ? $"{name}\tpreference = {record.Preference}, mail exchanger = . (null MX: accepts no mail)"
                            : $"{name}\tpreference = {record.Preference}, mail exchanger = {record.Host}");
                    }

                    foreach (var record in answer.Records.Where(r => !r.IsNullMx).DistinctBy(r => r.Host))
                    {
                        await PrintAddressesAsync(dns, record.Host, ct);
                    }

                    break;
                case DnsStatus.NoData:
                    Console.WriteLine($"{name}\tno MX records; mail goes to the domain's own address (implicit MX):");
                    await PrintAddressesAsync(dns, name, ct);
                    break;
                case DnsStatus.NameError:
                    Console.WriteLine($"** server can't find {name}: NXDOMAIN");
                    break;
                default:
                    Console.WriteLine($"** lookup failed: {answer.Error}");
                    break;
            }

            Console.WriteLine();
            bool local = settings.Options.Domains.Local.Contains(name, StringComparer.OrdinalIgnoreCase) || await IsStoredLocalAsync(settings, name, ct);
            bool relay = settings.Options.Domains.Relay.Contains(name, StringComparer.OrdinalIgnoreCase);
            if (local)
            {
                Console.WriteLine($"Carrier would: deliver locally ({name} is a local domain).");
                return ExitCodes.Ok;
            }

            var plan = await router.PlanAsync(name, domainIsLocal: false, ct);
            string role = relay ? $"accept mail for {name} from anyone (it is a relay domain: this server is a backup MX) and forward it" : "relay mail for it (for trusted or authenticated clients)";
            switch (plan.Kind)
            {
                case PlanKind.Deliver:
                    Console.WriteLine($"Carrier would: {role} to these hosts, in this order{(plan.ImplicitMx ? " (implicit MX)" : string.Empty)}:");
                    int n = 1;
                    foreach (var host in plan.Hosts)
                    {
                        Console.WriteLine($"  {n++}. {host}");
                    }

                    break;
                case PlanKind.Bounce:
                    Console.WriteLine($"Carrier would: return mail for {name} to its sender: {plan.Status} {plan.Reason}.");
                    break;
                case PlanKind.Defer:
                    Console.WriteLine($"Carrier would: keep mail for {name} in the queue and try again later: {plan.Status} {plan.Reason}.");
                    break;
                default:
                    Console.WriteLine($"Carrier would: deliver locally ({plan.Reason}).");
                    break;
            }

            foreach (string note in plan.Notes)
            {
                Console.WriteLine($"  note: {note}");
            }

            return ExitCodes.Ok;
        }));

        var recordsDomain = new Argument<string>("domain") { Description = "A local mail domain" };
        var records = new Command("records", """
            Print the DNS records a domain served by this server should publish, in BIND zone-file syntax:
            MX, SPF, the DKIM keys made with 'carrier dkim generate', DMARC, MTA-STS, TLS reporting, and
            the SRV records that let mail clients find submission and POP3 (RFC 6186).

            Example:
              carrier dns records example.org >> /etc/bind/db.example.org
            """) { recordsDomain };
        records.SetAction(parse => CliContext.RunAsync(() =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            var settings = ConfigurationLoader.Load(data);
            string name = parse.GetValue(recordsDomain)!.Trim().TrimEnd('.').ToLowerInvariant();
            if (!ConfigurationValidator.IsDomainName(name))
            {
                throw new CliException($"'{name}' is not a domain name.", ExitCodes.Usage);
            }

            Console.Write(ZoneRecords.ForDomain(settings, name));
            return Task.FromResult(ExitCodes.Ok);
        }));

        return new Command("dns", "Look at DNS as Carrier's routing sees it (mx), and print what to publish (records)") { mx, records };
    }

    private static async Task PrintAddressesAsync(DnsClientResolver dns, string host, CancellationToken cancellationToken)
    {
        var addresses = await dns.ResolveAddressesAsync(host, cancellationToken);
        if (addresses.Status == DnsStatus.Ok)
        {
            foreach (var address in addresses.Records)
            {
                Console.WriteLine($"{host}\t{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "AAAA IPv6 address" : "internet address")} = {address}");
            }
        }
        else
        {
            Console.WriteLine($"{host}\tno address ({addresses.Status}{(addresses.Error is null ? string.Empty : ": " + addresses.Error)})");
        }
    }

    private static async Task<bool> IsStoredLocalAsync(CarrierSettings settings, string domain, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(settings.DataDirectory, EmbeddedStore.DatabaseFileName)))
        {
            return false;
        }

        await using var store = EmbeddedStore.Open(settings.DataDirectory, new EmbeddedStoreOptions(), CliContext.Time, NullLogger.Instance);
        return (await store.Accounts.ListDomainsAsync(cancellationToken)).Contains(domain);
    }
}
