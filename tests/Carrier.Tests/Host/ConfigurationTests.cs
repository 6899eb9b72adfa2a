using Carrier.Configuration;
using Carrier.Net.Listeners;
using Carrier.Testing;

namespace Carrier.Tests.Host;

/// <summary>carrier.json and overrides: what loads, what the defaults are, and how each problem names its key.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _directory = new("config");

    public void Dispose() => _directory.Dispose();

    private (CarrierSettings? Settings, IReadOnlyList<ConfigProblem> Problems) Load(string? json, Dictionary<string, string?>? overrides = null)
    {
        if (json is not null)
        {
            File.WriteAllText(_directory.Combine(ConfigurationLoader.FileName), json);
        }

        return ConfigurationLoader.TryLoad(_directory.Path, overrides);
    }

    private CarrierSettings Loads(string? json, Dictionary<string, string?>? overrides = null)
    {
        var (settings, problems) = Load(json, overrides);
        Assert.Empty(problems);
        Assert.NotNull(settings);
        return settings;
    }

    /// <summary>Loads a configuration that should fail and returns its one problem.</summary>
    private ConfigProblem Problem(string? json, Dictionary<string, string?>? overrides = null)
    {
        var (settings, problems) = Load(json, overrides);
        Assert.Null(settings);
        return Assert.Single(problems);
    }

    private static string[] Endpoints(CarrierSettings settings) => [.. settings.SmtpListen.Select(e => e.ToString())];

    // --- defaults ----------------------------------------------------------------------------------------

    [Fact]
    public void Imap_listens_on_port_143_by_default_and_a_configured_list_replaces_it()
    {
        Assert.Equal(["0.0.0.0:143"], Loads(null).ImapListen.Select(e => e.ToString()));
        Assert.Equal(["127.0.0.1:1143"], Loads("""{ "Imap": { "Listen": ["127.0.0.1:1143"] } }""").ImapListen.Select(e => e.ToString()));
        Assert.Empty(Loads(null, new() { ["Imap:Listen:0"] = "" }).ImapListen);
        Assert.StartsWith("Imap:Listen", Problem("""{ "Imap": { "Listen": ["nowhere"] } }""").Key, StringComparison.Ordinal);
    }


    [Fact]
    public void Without_a_file_the_defaults_apply()
    {
        var settings = Loads(null);
        Assert.Null(settings.ConfigFile);
        Assert.Equal(_directory.Path, settings.DataDirectory);
        Assert.Equal(["0.0.0.0:25"], Endpoints(settings));
        Assert.Equal(["0.0.0.0:25"], settings.Options.Smtp.Listen);
        Assert.True(ConfigurationValidator.IsDomainName(settings.Hostname));

        var options = settings.Options;
        Assert.Empty(options.Domains.Local);
        Assert.Empty(options.Domains.Relay);
        Assert.Null(options.Postmaster);
        Assert.Equal(50L * 1024 * 1024, options.Limits.MessageSizeBytes);
        Assert.Equal(1000, options.Limits.RecipientsPerMessage);
        Assert.Equal(2048, options.Limits.CommandLineBytes);
        Assert.Equal(998, options.Limits.DataLineBytes);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Timeouts.Idle);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Queue.MinBackoff);
        Assert.Equal(TimeSpan.FromSeconds(4000), options.Queue.MaxBackoff);
        Assert.Equal(TimeSpan.FromDays(5), options.Queue.MaxLifetime);
        Assert.Equal(TimeSpan.FromHours(4), options.Queue.DelayWarning);
        Assert.Equal("Embedded", options.Store.Provider);
    }

    // --- the file ----------------------------------------------------------------------------------------

    [Fact]
    public void A_file_with_comments_and_trailing_commas_loads()
    {
        var settings = Loads("""
            // Carrier configuration
            {
              /* the server's name */
              "Hostname": "Mail.Example.ORG.",   // normalised
              "Postmaster": "admin@example.org",
              "Domains": { "Local": ["example.org", "example.net",], "Relay": ["backup.example",], },
              "Smtp": { "Listen": ["127.0.0.1:2525", "[::1]:2526",], },
              "Limits": { "MessageSizeBytes": 1048576, "RecipientsPerMessage": 50, },
              "Queue": { "MinBackoff": "00:01:00", "MaxBackoff": "00:30:00", "MaxLifetime": "2.00:00:00", },
              "Logging": { "LogLevel": { "Default": "Warning" } },
            }
            """);
        Assert.Equal(_directory.Combine(ConfigurationLoader.FileName), settings.ConfigFile);
        Assert.Equal("mail.example.org", settings.Hostname);
        Assert.Equal("admin@example.org", settings.Options.Postmaster);
        Assert.Equal(["example.org", "example.net"], settings.Options.Domains.Local);
        Assert.Equal(["backup.example"], settings.Options.Domains.Relay);
        Assert.Equal(1048576, settings.Options.Limits.MessageSizeBytes);
        Assert.Equal(50, settings.Options.Limits.RecipientsPerMessage);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Options.Queue.MinBackoff);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.Options.Queue.MaxBackoff);
        Assert.Equal(TimeSpan.FromDays(2), settings.Options.Queue.MaxLifetime);
        Assert.Equal("Warning", settings.Configuration["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Configured_listen_addresses_replace_the_default_instead_of_adding_to_it()
    {
        var settings = Loads("""{ "Smtp": { "Listen": ["127.0.0.1:2525", "[::1]:2526"] } }""");
        Assert.Equal(["127.0.0.1:2525", "[::1]:2526"], Endpoints(settings));
        Assert.Equal(new ListenEndpoint(System.Net.IPAddress.IPv6Loopback, 2526), settings.SmtpListen[1]);
    }

    [Fact]
    public void Section_and_key_names_are_not_case_sensitive()
    {
        var settings = Loads("""{ "limits": { "messagesizebytes": 4096 }, "SMTP": { "LISTEN": ["127.0.0.1:25"] } }""");
        Assert.Equal(4096, settings.Options.Limits.MessageSizeBytes);
        Assert.Equal(["127.0.0.1:25"], Endpoints(settings));
    }

    [Fact]
    public void An_empty_delay_warning_turns_it_off()
    {
        var settings = Loads("""{ "Queue": { "DelayWarning": "" } }""");
        Assert.Null(settings.Options.Queue.DelayWarning);
    }

    // --- overrides ---------------------------------------------------------------------------------------

    [Fact]
    public void Overrides_win_over_the_file()
    {
        var settings = Loads(
            """{ "Hostname": "file.example.org", "Limits": { "MessageSizeBytes": 1048576 } }""",
            new() { ["Hostname"] = "override.example.org", ["Limits:MessageSizeBytes"] = "2048" });
        Assert.Equal("override.example.org", settings.Hostname);
        Assert.Equal(2048, settings.Options.Limits.MessageSizeBytes);
    }

    [Fact]
    public void An_overridden_list_entry_replaces_that_entry_only()
    {
        var settings = Loads(
            """{ "Smtp": { "Listen": ["127.0.0.1:2525", "[::1]:2526"] } }""",
            new() { ["Smtp:Listen:0"] = "127.0.0.2:2527" });
        Assert.Equal(["127.0.0.2:2527", "[::1]:2526"], Endpoints(settings));
    }

    [Fact]
    public void A_listen_address_given_only_as_an_override_replaces_the_default()
    {
        var settings = Loads(null, new() { ["Smtp:Listen:0"] = "127.0.0.1:0", ["Domains:Local:0"] = "local.test" });
        Assert.Equal(["127.0.0.1:0"], Endpoints(settings));
        Assert.Equal(["local.test"], settings.Options.Domains.Local);
    }

    [Fact]
    public void Overrides_are_checked_like_the_file()
    {
        var problem = Problem(null, new() { ["Limits:Connections"] = "many" });
        Assert.Equal("Limits:Connections", problem.Key);
    }

    // --- problems, each naming its key ---------------------------------------------------------------------

    [Fact]
    public void An_unknown_top_level_key_is_named()
    {
        var problem = Problem("""{ "Hostnme": "mail.example.org" }""");
        Assert.Equal("Hostnme", problem.Key);
        Assert.Equal("is not a configuration key Carrier knows; check its spelling (see the README's configuration reference).", problem.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_section_is_named_with_the_keys_it_could_be()
    {
        var problem = Problem("""{ "Limits": { "MessageSize": 1000000 } }""");
        Assert.Equal("Limits:MessageSize", problem.Key);
        Assert.Equal(
            "is not a configuration key Carrier knows; the keys of Limits are CommandLineBytes, ConnectionRatePerIp, Connections, ConnectionsPerIp, DataLineBytes, ErrorsPerSession, MaxHops, MessageSizeBytes, MessagesPerSession, RecipientsPerMessage.",
            problem.Message);
    }

    [Fact]
    public void Anti_abuse_settings_are_off_by_default_except_the_per_session_limits()
    {
        var options = Loads(null).Options;
        Assert.Empty(options.Smtp.Dnsbl);
        Assert.False(options.Smtp.Greylisting.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Smtp.Greylisting.Delay);
        Assert.Equal(0, options.Limits.ConnectionRatePerIp);
        Assert.Equal(1000, options.Limits.MessagesPerSession);
        Assert.Equal(20, options.Limits.ErrorsPerSession);

        var configured = Loads("""{ "Smtp": { "Dnsbl": ["zen.spamhaus.org"], "Greylisting": { "Enabled": true, "Delay": "00:10:00" } }, "Limits": { "ConnectionRatePerIp": 60 } }""").Options;
        Assert.Equal(["zen.spamhaus.org"], configured.Smtp.Dnsbl);
        Assert.True(configured.Smtp.Greylisting.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), configured.Smtp.Greylisting.Delay);
        Assert.Equal(60, configured.Limits.ConnectionRatePerIp);
        Assert.Empty(Loads(null, new() { ["Smtp:Dnsbl:0"] = "" }).Options.Smtp.Dnsbl);
    }

    [Theory]
    [InlineData("""{ "Smtp": { "Dnsbl": ["zen spamhaus"] } }""", "Smtp:Dnsbl:0", "'zen spamhaus' is not a blocklist zone; write the zone's name, such as zen.spamhaus.org (queried as 4.3.2.1.zen.spamhaus.org).")]
    [InlineData("""{ "Smtp": { "Dnsbl": ["localhost"] } }""", "Smtp:Dnsbl:0", "'localhost' is not a blocklist zone; write the zone's name, such as zen.spamhaus.org (queried as 4.3.2.1.zen.spamhaus.org).")]
    [InlineData("""{ "Smtp": { "Greylisting": { "Enabled": true, "Delay": "01:00:00", "RetryWindow": "00:30:00" } } }""", "Smtp:Greylisting:RetryWindow", "00:30:00 is not longer than Smtp:Greylisting:Delay (01:00:00), so no retry could ever pass; make it longer, such as 2.00:00:00.")]
    [InlineData("""{ "Smtp": { "Greylisting": { "Enabled": true, "Delay": "00:00:00" } } }""", "Smtp:Greylisting:Delay", "00:00:00 must be longer than zero; write a duration such as 00:05:00.")]
    [InlineData("""{ "Smtp": { "Greylisting": { "Enabled": true, "MaxEntries": 10 } } }""", "Smtp:Greylisting:MaxEntries", "10 is too small; use at least 1000.")]
    [InlineData("""{ "Smtp": { "Greylisting": { "Dealy": "00:05:00" } } }""", "Smtp:Greylisting:Dealy", "is not a configuration key Carrier knows; the keys of Smtp:Greylisting are Delay, Enabled, MaxEntries, PassedLifetime, RetryWindow.")]
    [InlineData("""{ "Limits": { "ConnectionRatePerIp": -1 } }""", "Limits:ConnectionRatePerIp", "-1 is negative; give connections per minute from one address, such as 60, or 0 for no limit.")]
    [InlineData("""{ "Limits": { "MessagesPerSession": 0 } }""", "Limits:MessagesPerSession", "0 is too small; use at least 1.")]
    public void Anti_abuse_settings_that_make_no_sense_are_named_with_the_fix(string json, string key, string message)
    {
        var problem = Problem(json);
        Assert.Equal(key, problem.Key);
        Assert.Equal(message, problem.Message);
    }

    [Theory]
    [InlineData("Domains", "Locals")]
    [InlineData("Smtp", "Port")]
    [InlineData("Timeouts", "Idel")]
    [InlineData("Queue", "Lifetime")]
    [InlineData("Store", "Path")]
    public void An_unknown_key_in_any_section_is_named(string section, string key)
    {
        var problem = Problem($$"""{ "{{section}}": { "{{key}}": "1" } }""");
        Assert.Equal($"{section}:{key}", problem.Key);
    }

    [Theory]
    [InlineData("Limits", "MessageSizeBytes", "big")]
    [InlineData("Limits", "RecipientsPerMessage", "1.5")]
    [InlineData("Limits", "Connections", "")]
    [InlineData("Store", "InlineBlobMaxBytes", "64k")]
    public void A_non_numeric_value_is_named_and_asked_for_as_a_whole_number(string section, string key, string value)
    {
        var problem = Problem($$"""{ "{{section}}": { "{{key}}": "{{value}}" } }""");
        Assert.Equal($"{section}:{key}", problem.Key);
        Assert.Equal($"'{value}' is not valid here: write a whole number.", problem.Message);
    }

    [Theory]
    [InlineData("Queue", "MinBackoff", "five minutes")]
    [InlineData("Queue", "MaxLifetime", "5d")]
    [InlineData("Timeouts", "Idle", "5m")]
    [InlineData("Timeouts", "Session", "1:00:00:00:00")]
    public void A_bad_duration_is_named_and_asked_for_as_a_duration(string section, string key, string value)
    {
        var problem = Problem($$"""{ "{{section}}": { "{{key}}": "{{value}}" } }""");
        Assert.Equal($"{section}:{key}", problem.Key);
        Assert.Equal($"'{value}' is not valid here: write a duration such as 00:05:00 (hh:mm:ss) or 5.00:00:00 (days).", problem.Message);
    }

    [Theory]
    [InlineData("localhost:25", "'localhost' is not an IP address; listeners bind to addresses such as 0.0.0.0, 127.0.0.1 or ::")]
    [InlineData("127.0.0.1", "'127.0.0.1' is not address:port; write for example 127.0.0.1:2525 or [::1]:2525")]
    [InlineData("127.0.0.1:", "'127.0.0.1:' is not address:port; write for example 127.0.0.1:2525 or [::1]:2525")]
    [InlineData("127.0.0.1:65536", "'65536' is not a port number between 0 and 65535")]
    [InlineData("127.0.0.1:smtp", "'smtp' is not a port number between 0 and 65535")]
    [InlineData("::1:25", "'::1:25': an IPv6 address must be written in brackets, for example [::1]:25")]
    public void A_bad_listen_entry_is_named_by_its_index(string entry, string message)
    {
        var problem = Problem($$"""{ "Smtp": { "Listen": ["127.0.0.1:2525", "{{entry}}"] } }""");
        Assert.Equal("Smtp:Listen:1", problem.Key);
        Assert.Equal(message, problem.Message);
    }

    [Fact]
    public void Max_backoff_shorter_than_min_backoff_is_named()
    {
        var problem = Problem("""{ "Queue": { "MinBackoff": "00:10:00", "MaxBackoff": "00:05:00" } }""");
        Assert.Equal("Queue:MaxBackoff", problem.Key);
        Assert.Equal("00:05:00 is shorter than Queue:MinBackoff (00:10:00); make it at least as long.", problem.Message);
    }

    [Fact]
    public void A_domain_both_local_and_relay_is_named()
    {
        var problem = Problem("""{ "Domains": { "Local": ["example.org"], "Relay": ["other.example", "Example.ORG"] } }""");
        Assert.Equal("Domains:Relay", problem.Key);
        Assert.Equal("example.org is listed as local and as relay; a domain is one or the other. Remove it from one list.", problem.Message);
    }

    [Theory]
    [InlineData("""{ "Hostname": "mail.example.org" """)]
    [InlineData("""{ "Hostname": mail.example.org }""")]
    [InlineData("""[ "not", "an", "object" ]""")]
    [InlineData("""{ "Hostname": "a", "Hostname": "b" }""")]
    public void Invalid_json_names_the_file(string json)
    {
        var problem = Problem(json);
        Assert.Equal("carrier.json", problem.Key);
        Assert.StartsWith("cannot be read: ", problem.Message, StringComparison.Ordinal);
        Assert.EndsWith(" Fix the JSON (comments and trailing commas are allowed).", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Hostname": "mail_server" }""", "Hostname")]
    [InlineData("""{ "Postmaster": "admin" }""", "Postmaster")]
    [InlineData("""{ "Postmaster": "admin@" }""", "Postmaster")]
    [InlineData("""{ "Domains": { "Local": ["example.org", "not a domain"] } }""", "Domains:Local:1")]
    [InlineData("""{ "Domains": { "Relay": ["-bad.example"] } }""", "Domains:Relay:0")]
    [InlineData("""{ "Limits": { "MessageSizeBytes": 1023 } }""", "Limits:MessageSizeBytes")]
    [InlineData("""{ "Limits": { "RecipientsPerMessage": 0 } }""", "Limits:RecipientsPerMessage")]
    [InlineData("""{ "Limits": { "CommandLineBytes": 511 } }""", "Limits:CommandLineBytes")]
    [InlineData("""{ "Limits": { "DataLineBytes": 997 } }""", "Limits:DataLineBytes")]
    [InlineData("""{ "Limits": { "ConnectionsPerIp": 11, "Connections": 10 } }""", "Limits:ConnectionsPerIp")]
    [InlineData("""{ "Timeouts": { "Idle": "00:00:00" } }""", "Timeouts:Idle")]
    [InlineData("""{ "Timeouts": { "ShutdownGrace": "-00:00:01" } }""", "Timeouts:ShutdownGrace")]
    [InlineData("""{ "Queue": { "PollInterval": "00:00:00" } }""", "Queue:PollInterval")]
    [InlineData("""{ "Queue": { "MaxConcurrentDeliveries": 0 } }""", "Queue:MaxConcurrentDeliveries")]
    [InlineData("""{ "Store": { "Provider": "Postgres" } }""", "Store:Provider")]
    [InlineData("""{ "Store": { "PasswordIterations": 999 } }""", "Store:PasswordIterations")]
    public void A_value_that_makes_no_sense_is_named(string json, string key) =>
        Assert.Equal(key, Problem(json).Key);

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var (settings, problems) = Load("""
            {
              "Hostnme": "x",
              "Limits": { "MessageSize": 1, "CommandLineBytes": 10 },
              "Smtp": { "Listen": ["nowhere:25"] },
              "Queue": { "MinBackoff": "01:00:00", "MaxBackoff": "00:01:00" }
            }
            """);
        Assert.Null(settings);
        Assert.Equal(
            ["Hostnme", "Limits:CommandLineBytes", "Limits:MessageSize", "Queue:MaxBackoff", "Smtp:Listen:0"],
            problems.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_throws_with_every_problem_in_the_message()
    {
        File.WriteAllText(_directory.Combine(ConfigurationLoader.FileName), """{ "Hostnme": "x", "Limits": { "Connections": 0 } }""");
        var exception = Assert.Throws<ConfigurationProblemsException>(() => ConfigurationLoader.Load(_directory.Path));
        Assert.Equal(3, exception.Problems.Count);
        Assert.StartsWith("The configuration has problems:", exception.Message, StringComparison.Ordinal);
        foreach (var problem in exception.Problems)
        {
            Assert.Contains($"  {problem.Key}: {problem.Message}", exception.Message, StringComparison.Ordinal);
        }
    }

    // --- the template ------------------------------------------------------------------------------------

    [Fact]
    public void The_rendered_template_loads_without_problems_and_says_what_it_was_given()
    {
        string json = ConfigurationTemplate.Render("mail.example.org", ["example.org", "example.net"], ["0.0.0.0:25", "[::]:587"]);
        var settings = Loads(json);
        Assert.Equal("mail.example.org", settings.Hostname);
        Assert.Equal(["example.org", "example.net"], settings.Options.Domains.Local);
        Assert.Empty(settings.Options.Domains.Relay);
        Assert.Equal(["0.0.0.0:25", "[::]:587"], Endpoints(settings));
    }

    [Fact]
    public void The_rendered_template_writes_the_defaults()
    {
        var fromTemplate = Loads(ConfigurationTemplate.Render("mail.example.org", [], ["0.0.0.0:25"])).Options;
        var defaults = new CarrierOptions();
        Assert.Equal(defaults.Limits.MessageSizeBytes, fromTemplate.Limits.MessageSizeBytes);
        Assert.Equal(defaults.Limits.RecipientsPerMessage, fromTemplate.Limits.RecipientsPerMessage);
        Assert.Equal(defaults.Limits.ConnectionsPerIp, fromTemplate.Limits.ConnectionsPerIp);
        Assert.Equal(defaults.Limits.Connections, fromTemplate.Limits.Connections);
        Assert.Equal(defaults.Limits.CommandLineBytes, fromTemplate.Limits.CommandLineBytes);
        Assert.Equal(defaults.Limits.DataLineBytes, fromTemplate.Limits.DataLineBytes);
        Assert.Equal(defaults.Limits.ErrorsPerSession, fromTemplate.Limits.ErrorsPerSession);
        Assert.Equal(defaults.Timeouts.Idle, fromTemplate.Timeouts.Idle);
        Assert.Equal(defaults.Timeouts.Session, fromTemplate.Timeouts.Session);
        Assert.Equal(defaults.Timeouts.ShutdownGrace, fromTemplate.Timeouts.ShutdownGrace);
        Assert.Equal(defaults.Queue.MinBackoff, fromTemplate.Queue.MinBackoff);
        Assert.Equal(defaults.Queue.MaxBackoff, fromTemplate.Queue.MaxBackoff);
        Assert.Equal(defaults.Queue.MaxLifetime, fromTemplate.Queue.MaxLifetime);
        Assert.Equal(defaults.Queue.DelayWarning, fromTemplate.Queue.DelayWarning);
        Assert.Equal(defaults.Queue.MaxConcurrentDeliveries, fromTemplate.Queue.MaxConcurrentDeliveries);
        Assert.Equal(defaults.Queue.PollInterval, fromTemplate.Queue.PollInterval);
        Assert.Equal(defaults.Store.Provider, fromTemplate.Store.Provider);
        Assert.Equal(defaults.Store.InlineBlobMaxBytes, fromTemplate.Store.InlineBlobMaxBytes);
    }
}
