using System.Net;
using Carrier.Net.Listeners;
using Carrier.Routing.Planning;

namespace Carrier.Configuration;

/// <summary>Checks values that bind but make no sense, naming the key and the fix for each.</summary>
public static class ConfigurationValidator
{
    public static ParsedSettings Validate(CarrierOptions options, List<ConfigProblem> problems)
    {
        string hostname = string.IsNullOrWhiteSpace(options.Hostname) ? MachineName() : options.Hostname.Trim().TrimEnd('.').ToLowerInvariant();
        if (!IsDomainName(hostname))
        {
            problems.Add(new ConfigProblem("Hostname", $"'{hostname}' is not a host name; write the fully qualified name clients see, such as mail.example.org."));
        }

        for (int i = 0; i < options.Domains.Local.Count; i++)
        {
            CheckDomain($"Domains:Local:{i}", options.Domains.Local[i], problems);
        }

        for (int i = 0; i < options.Domains.Relay.Count; i++)
        {
            CheckDomain($"Domains:Relay:{i}", options.Domains.Relay[i], problems);
        }

        foreach (string both in options.Domains.Local.Intersect(options.Domains.Relay, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(new ConfigProblem("Domains:Relay", $"{both} is listed as local and as relay; a domain is one or the other. Remove it from one list."));
        }

        if (options.Postmaster is { } postmaster && (!postmaster.Contains('@') || postmaster.StartsWith('@') || postmaster.EndsWith('@')))
        {
            problems.Add(new ConfigProblem("Postmaster", $"'{postmaster}' is not an address; write user@domain."));
        }

        if (options.Smtp.Listen.Count == 0)
        {
            problems.Add(new ConfigProblem("Smtp:Listen", "is empty; give at least one address:port such as 0.0.0.0:25."));
        }

        var listen = ParseListen("Smtp:Listen", options.Smtp.Listen, problems);
        var pop3 = ParseListen("Pop3:Listen", options.Pop3.Listen, problems);
        var imap = ParseListen("Imap:Listen", options.Imap.Listen, problems);
        var pop3s = ParseListen("Pop3s:Listen", options.Pop3s.Listen, problems);
        var imaps = ParseListen("Imaps:Listen", options.Imaps.Listen, problems);
        var submission = ParseListen("Submission:Listen", options.Submission.Listen, problems);
        var submissions = ParseListen("Submissions:Listen", options.Submissions.Listen, problems);
        if (string.IsNullOrWhiteSpace(options.Tls.CertificateFile) != string.IsNullOrWhiteSpace(options.Tls.KeyFile))
        {
            string missing = string.IsNullOrWhiteSpace(options.Tls.CertificateFile) ? "Tls:CertificateFile" : "Tls:KeyFile";
            problems.Add(new ConfigProblem(missing, "is missing; give both Tls:CertificateFile and Tls:KeyFile (PEM files), or neither for the self-signed default."));
        }

        var limits = options.Limits;
        AtLeast("Limits:MessageSizeBytes", limits.MessageSizeBytes, 1024, problems);
        AtLeast("Limits:RecipientsPerMessage", limits.RecipientsPerMessage, 1, problems);
        AtLeast("Limits:ConnectionsPerIp", limits.ConnectionsPerIp, 1, problems);
        AtLeast("Limits:Connections", limits.Connections, 1, problems);
        AtLeast("Limits:CommandLineBytes", limits.CommandLineBytes, 512, problems);
        AtLeast("Limits:DataLineBytes", limits.DataLineBytes, 998, problems);
        AtLeast("Limits:ErrorsPerSession", limits.ErrorsPerSession, 1, problems);
        AtLeast("Limits:MessagesPerSession", limits.MessagesPerSession, 1, problems);
        if (limits.ConnectionRatePerIp < 0)
        {
            problems.Add(new ConfigProblem("Limits:ConnectionRatePerIp", $"{limits.ConnectionRatePerIp} is negative; give connections per minute from one address, such as 60, or 0 for no limit."));
        }

        CheckScreening(options.Smtp, problems);
        if (limits.ConnectionsPerIp > limits.Connections)
        {
            problems.Add(new ConfigProblem("Limits:ConnectionsPerIp", $"{limits.ConnectionsPerIp} is more than Limits:Connections ({limits.Connections}); lower it or raise the total."));
        }

        Positive("Timeouts:Idle", options.Timeouts.Idle, problems);
        Positive("Timeouts:Session", options.Timeouts.Session, problems);
        if (options.Timeouts.ShutdownGrace < TimeSpan.Zero)
        {
            problems.Add(new ConfigProblem("Timeouts:ShutdownGrace", "is negative; write a duration such as 00:00:10."));
        }

        var authentication = options.Authentication;
        Positive("Authentication:Timeout", authentication.Timeout, problems);
        if (authentication.Timeout > TimeSpan.FromMinutes(2))
        {
            problems.Add(new ConfigProblem("Authentication:Timeout", $"{authentication.Timeout} would keep clients waiting for the reply to DATA; use at most 00:02:00."));
        }

        if (authentication.MaxDkimSignatures is < 1 or > 20)
        {
            problems.Add(new ConfigProblem("Authentication:MaxDkimSignatures", $"{authentication.MaxDkimSignatures} is out of range; use 1 to 20."));
        }

        var queue = options.Queue;
        Positive("Queue:MinBackoff", queue.MinBackoff, problems);
        Positive("Queue:MaxBackoff", queue.MaxBackoff, problems);
        Positive("Queue:MaxLifetime", queue.MaxLifetime, problems);
        Positive("Queue:PollInterval", queue.PollInterval, problems);
        AtLeast("Queue:MaxConcurrentDeliveries", queue.MaxConcurrentDeliveries, 1, problems);
        if (queue.MaxBackoff < queue.MinBackoff)
        {
            problems.Add(new ConfigProblem("Queue:MaxBackoff", $"{queue.MaxBackoff} is shorter than Queue:MinBackoff ({queue.MinBackoff}); make it at least as long."));
        }

        if (!string.Equals(options.Store.Provider, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ConfigProblem("Store:Provider", $"'{options.Store.Provider}' is not a store Carrier has; use Embedded."));
        }

        AtLeast("Store:InlineBlobMaxBytes", options.Store.InlineBlobMaxBytes, 0, problems);
        AtLeast("Store:PasswordIterations", options.Store.PasswordIterations, 1000, problems);
        AtLeast("Limits:MaxHops", options.Limits.MaxHops, 1, problems);

        var dnsServers = new List<IPEndPoint>();
        for (int i = 0; i < options.Dns.Servers.Count; i++)
        {
            if (TryParseServer(options.Dns.Servers[i], out var server))
            {
                dnsServers.Add(server);
            }
            else
            {
                problems.Add(new ConfigProblem($"Dns:Servers:{i}", $"'{options.Dns.Servers[i]}' is not address[:port]; write for example 192.0.2.53 or 192.0.2.53:5353 or [2001:db8::53]:53."));
            }
        }

        Positive("Dns:Timeout", options.Dns.Timeout, problems);
        AtLeast("Dns:Retries", options.Dns.Retries, 0, problems);

        var trusted = new List<IPNetwork>();
        for (int i = 0; i < options.Relay.TrustedNetworks.Count; i++)
        {
            if (IPNetwork.TryParse(options.Relay.TrustedNetworks[i].Trim(), out var network))
            {
                trusted.Add(network);
            }
            else
            {
                problems.Add(new ConfigProblem($"Relay:TrustedNetworks:{i}", $"'{options.Relay.TrustedNetworks[i]}' is not a network; write it in CIDR form such as 192.0.2.0/24 or 2001:db8::/32 (the host bits must be zero)."));
            }
        }

        var routes = new Dictionary<string, NextHop>(StringComparer.OrdinalIgnoreCase);
        foreach (var (domain, target) in options.Transport.Routes)
        {
            if (NextHop.TryParse(target, out var hop, out string? error))
            {
                routes[domain] = hop;
            }
            else
            {
                problems.Add(new ConfigProblem($"Transport:Routes:{domain}", error));
            }
        }

        NextHop? defaultRelay = null;
        if (!string.IsNullOrWhiteSpace(options.Transport.DefaultRelay))
        {
            if (NextHop.TryParse(options.Transport.DefaultRelay, out var hop, out string? error))
            {
                defaultRelay = hop;
            }
            else
            {
                problems.Add(new ConfigProblem("Transport:DefaultRelay", error));
            }
        }

        var delivery = options.Delivery;
        Positive("Delivery:ConnectTimeout", delivery.ConnectTimeout, problems);
        Positive("Delivery:GreetingTimeout", delivery.GreetingTimeout, problems);
        Positive("Delivery:CommandTimeout", delivery.CommandTimeout, problems);
        Positive("Delivery:DataTimeout", delivery.DataTimeout, problems);
        Positive("Delivery:ConnectionIdleTime", delivery.ConnectionIdleTime, problems);
        AtLeast("Delivery:MaxPerDestination", delivery.MaxPerDestination, 1, problems);
        if (delivery.DeadHostTime < TimeSpan.Zero)
        {
            problems.Add(new ConfigProblem("Delivery:DeadHostTime", "is negative; write a duration such as 00:01:00, or 00:00:00 to turn it off."));
        }

        return new ParsedSettings(hostname, listen, pop3, imap, dnsServers, trusted, new TransportTable(routes, defaultRelay))
        {
            Pop3sListen = pop3s,
            ImapsListen = imaps,
            SubmissionListen = submission,
            SubmissionsListen = submissions,
            OutboundTls = OutboundTlsConfiguration.Parse(options, problems),
        };
    }

    private static void CheckScreening(SmtpOptions smtp, List<ConfigProblem> problems)
    {
        for (int i = 0; i < smtp.Dnsbl.Count; i++)
        {
            string zone = smtp.Dnsbl[i].Trim().TrimEnd('.');
            if (!IsDomainName(zone) || !zone.Contains('.'))
            {
                problems.Add(new ConfigProblem($"Smtp:Dnsbl:{i}", $"'{smtp.Dnsbl[i]}' is not a blocklist zone; write the zone's name, such as zen.spamhaus.org (queried as 4.3.2.1.zen.spamhaus.org)."));
            }
        }

        var greylisting = smtp.Greylisting;
        if (!greylisting.Enabled)
        {
            return;
        }

        Positive("Smtp:Greylisting:Delay", greylisting.Delay, problems);
        Positive("Smtp:Greylisting:PassedLifetime", greylisting.PassedLifetime, problems);
        AtLeast("Smtp:Greylisting:MaxEntries", greylisting.MaxEntries, 1000, problems);
        if (greylisting.RetryWindow <= greylisting.Delay)
        {
            problems.Add(new ConfigProblem("Smtp:Greylisting:RetryWindow", $"{greylisting.RetryWindow} is not longer than Smtp:Greylisting:Delay ({greylisting.Delay}), so no retry could ever pass; make it longer, such as 2.00:00:00."));
        }
    }

    /// <summary>Parses a listener's address:port list; an empty list turns the service off.</summary>
    private static List<ListenEndpoint> ParseListen(string key, List<string> entries, List<ConfigProblem> problems)
    {
        var endpoints = new List<ListenEndpoint>();
        for (int i = 0; i < entries.Count; i++)
        {
            if (ListenEndpoint.TryParse(entries[i], out var endpoint, out string? error))
            {
                endpoints.Add(endpoint);
            }
            else
            {
                problems.Add(new ConfigProblem($"{key}:{i}", error));
            }
        }

        return endpoints;
    }

    private static bool TryParseServer(string text, out IPEndPoint endpoint)
    {
        text = text.Trim();
        if (IPAddress.TryParse(text, out var bare))
        {
            endpoint = new IPEndPoint(bare, 53);
            return true;
        }

        if (IPEndPoint.TryParse(text, out var parsed) && parsed.Port != 0)
        {
            endpoint = parsed;
            return true;
        }

        endpoint = new IPEndPoint(IPAddress.None, 0);
        return false;
    }

    public static bool IsDomainName(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127));

    private static void CheckDomain(string key, string domain, List<ConfigProblem> problems)
    {
        if (!IsDomainName(domain.Trim().TrimEnd('.')))
        {
            problems.Add(new ConfigProblem(key, $"'{domain}' is not a domain name; write it like example.org."));
        }
    }

    private static void AtLeast(string key, long value, long minimum, List<ConfigProblem> problems)
    {
        if (value < minimum)
        {
            problems.Add(new ConfigProblem(key, $"{value} is too small; use at least {minimum}."));
        }
    }

    private static void Positive(string key, TimeSpan value, List<ConfigProblem> problems)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add(new ConfigProblem(key, $"{value} must be longer than zero; write a duration such as 00:05:00."));
        }
    }

    private static string MachineName()
    {
        string name = System.Net.Dns.GetHostName().ToLowerInvariant();
        return IsDomainName(name) ? name : "localhost";
    }
}
