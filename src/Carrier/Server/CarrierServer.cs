using System.Text;
using Carrier.Configuration;
using Carrier.Delivery;
using Carrier.Delivery.Authentication;
using Carrier.Delivery.Dkim;
using Carrier.Delivery.Local;
using Carrier.Delivery.Remote;
using Carrier.Directory;
using Carrier.Imap.Messages;
using Carrier.Imap.Server;
using Carrier.Net.Connections;
using Carrier.Net.Listeners;
using Carrier.Net.Tls;
using Carrier.Pop3.Server;
using Carrier.Queue;
using Carrier.Queue.Runner;
using Carrier.Routing;
using Carrier.Routing.Dns;
using Carrier.Routing.Planning;
using Carrier.Server.Screening;
using Carrier.Smtp.Client;
using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;
using Carrier.Store;
using Carrier.Store.Embedded;
using Microsoft.Extensions.Logging;

namespace Carrier.Server;

/// <summary>
/// The running mail server: wires the store, directory, queue, delivery agents and protocol listeners
/// together (the host is the only part that knows them all), starts them, and stops them in order.
/// </summary>
public sealed class CarrierServer : IAsyncDisposable
{
    private readonly DataDirectoryLock _lock;
    private readonly RemoteDeliveryAgent _remote;
    private readonly SummaryCache _summaries;
    private readonly Heartbeat _heartbeat;
    private readonly Dictionary<string, ConnectionListener> _listeners;
    private readonly TimeSpan _shutdownGrace;
    // Clients the connection rate table remembers at once; an address past this was last seen long ago.
    private const int MaxRateTrackedClients = 100_000;

    private bool _stopped;

    private CarrierServer(DataDirectoryLock directoryLock, ICarrierStore store, MailDirectory directory, QueueRunner runner, RemoteDeliveryAgent remote, SummaryCache summaries, Heartbeat heartbeat, Dictionary<string, ConnectionListener> listeners, TimeSpan shutdownGrace)
    {
        _lock = directoryLock;
        _remote = remote;
        _summaries = summaries;
        Store = store;
        Directory = directory;
        Runner = runner;
        _heartbeat = heartbeat;
        _listeners = listeners;
        _shutdownGrace = shutdownGrace;
    }

    public ICarrierStore Store { get; }

    public MailDirectory Directory { get; }

    public QueueRunner Runner { get; }

    public IReadOnlyList<ListenEndpoint> SmtpEndpoints => EndpointsOf("smtpd");

    public IReadOnlyList<ListenEndpoint> Pop3Endpoints => EndpointsOf("pop3");

    public IReadOnlyList<ListenEndpoint> ImapEndpoints => EndpointsOf("imap");

    /// <summary>The endpoints a listener bound (by its log name: smtpd, submission, submissions, pop3, pop3s, imap, imaps); empty when it is off.</summary>
    public IReadOnlyList<ListenEndpoint> EndpointsOf(string name) => _listeners.TryGetValue(name, out var listener) ? listener.BoundEndpoints : [];

    public static CarrierServer Start(CarrierSettings settings, ILoggerFactory loggers, TimeProvider time)
    {
        var options = settings.Options;
        var directoryLock = DataDirectoryLock.Acquire(settings.DataDirectory);
        EmbeddedStore? store = null;
        RemoteDeliveryAgent? remote = null;
        SummaryCache? summaries = null;
        var heartbeat = new Heartbeat(time);
        var listeners = new Dictionary<string, ConnectionListener>();
        try
        {
            store = EmbeddedStore.Open(
                settings.DataDirectory,
                new EmbeddedStoreOptions { InlineBlobMaxBytes = options.Store.InlineBlobMaxBytes },
                time,
                loggers.CreateLogger("store"));
            var directory = CreateDirectory(settings, store, time, DecoySecretFile.LoadOrCreate(settings.DataDirectory));
            var classifier = new DomainClassifier(directory);
            var intake = new MessageIntake(store.Queue, store.Blobs, time, loggers.CreateLogger("queue"));
            summaries = new SummaryCache(store.Blobs, new ImapMessageSummarizer(), loggers.CreateLogger("delivery"));
            var local = new LocalDeliveryAgent(directory, store.Mailboxes, new QueueForwarder(intake, time), time, summaries);
            // One resolver, so routing, blocklists and sender checks share its cache.
            var dns = CreateResolver(settings);
            remote = new RemoteDeliveryAgent(CreateMxRouter(settings, dns), RemoteOptions(settings), time, loggers.CreateLogger("smtp"));
            var router = new DeliveryRouter(classifier, local, remote, options.Limits.MaxHops);
            var runner = new QueueRunner(store.Queue, store.Blobs, router, RetryPolicyOf(options), RunnerOptions(settings), time, loggers.CreateLogger("queue"));
            intake.Submitted = runner.Wake;

            var limiter = new ConnectionLimiter(options.Limits.Connections, options.Limits.ConnectionsPerIp);
            var timeouts = new ConnectionTimeouts(options.Timeouts.Idle, options.Timeouts.Session);

            // Each listener binds its endpoints now, so a port in use stops start-up with the key to change.
            ConnectionListener? Listen(string name, string key, IReadOnlyList<ListenEndpoint> endpoints, IConnectionHandler handler, string refusal, Func<System.Net.Security.SslServerAuthenticationOptions?>? implicitTls, ConnectionTimeouts? ownTimeouts = null, ConnectionRateLimit? rateLimit = null)
            {
                if (endpoints.Count == 0)
                {
                    return null;
                }

                var listener = new ConnectionListener(
                    new ListenerOptions
                    {
                        Name = name,
                        ConfigurationKey = key,
                        Endpoints = endpoints,
                        Handler = handler,
                        Timeouts = ownTimeouts ?? timeouts,
                        TooManyConnectionsReply = Encoding.ASCII.GetBytes(refusal),
                        ImplicitTls = implicitTls,
                        RateLimit = rateLimit,
                    },
                    limiter,
                    heartbeat,
                    time,
                    loggers.CreateLogger(name));
                listeners[name] = listener;
                listener.Start();
                return listener;
            }

            var certificate = OpenCertificate(settings, time, loggers.CreateLogger("tls"));
            Func<System.Net.Security.SslServerAuthenticationOptions?> tls = certificate.ServerOptions;
            var plaintextAllowed = DirectoryAuthenticator.PlaintextAllowed(options.Auth.PlaintextWithoutTls);
            var guard = new LoginGuard(directory, time);
            string primaryDomain = options.Domains.Local.FirstOrDefault() ?? settings.Hostname;
            var policy = new SmtpRecipientPolicy(classifier, directory, primaryDomain, settings.Parsed.TrustedNetworks, options.Submission.RestrictSender);
            var logger = loggers.CreateLogger("smtpd");
            var authenticator = new DirectoryAuthenticator(directory, guard, logger);
            var screening = ClientScreening.Create(settings, policy, dns, time, logger);
            var smtpOptions = new SmtpServerOptions
            {
                Hostname = settings.Hostname,
                MaxMessageSize = options.Limits.MessageSizeBytes,
                MaxRecipients = options.Limits.RecipientsPerMessage,
                MaxCommandLineLength = options.Limits.CommandLineBytes,
                MaxDataLineLength = options.Limits.DataLineBytes,
                MaxErrors = options.Limits.ErrorsPerSession,
                MaxTransactionsPerSession = options.Limits.MessagesPerSession,
                ClientConnected = screening.ClientConnected,
                StartTls = tls,
                Authenticator = options.Smtp.Auth ? authenticator : null,
                PlaintextAuthAllowed = plaintextAllowed,
            };
            var sink = new QueueMessageSink(intake, policy.BarePostmasterAddress, logger, inbound: CreateInboundChecks(settings, dns));
            string smtpRefusal = SmtpReplies.TooManyConnections(settings.Hostname).ToWireString();
            var rateLimit = options.Limits.ConnectionRatePerIp > 0
                ? new ConnectionRateLimit(
                    new ConnectionRateLimiter(options.Limits.ConnectionRatePerIp, TimeSpan.FromMinutes(1), MaxRateTrackedClients, policy.IsTrusted, time),
                    client => Encoding.ASCII.GetBytes(SmtpReplies.TooManyConnectionsFrom(settings.Hostname, client).ToWireString()))
                : null;
            Listen("smtpd", "Smtp:Listen", settings.SmtpListen, new SmtpConnectionHandler(smtpOptions, screening, sink, time, logger), smtpRefusal, null, rateLimit: rateLimit);

            // Submission (RFC 6409): the same server, but AUTH is required and the header is completed.
            var submissionOptions = new SmtpServerOptions
            {
                Hostname = smtpOptions.Hostname,
                MaxMessageSize = smtpOptions.MaxMessageSize,
                MaxRecipients = smtpOptions.MaxRecipients,
                MaxCommandLineLength = smtpOptions.MaxCommandLineLength,
                MaxDataLineLength = smtpOptions.MaxDataLineLength,
                MaxErrors = smtpOptions.MaxErrors,
                MaxTransactionsPerSession = smtpOptions.MaxTransactionsPerSession,
                StartTls = tls,
                Authenticator = authenticator,
                RequireAuthentication = true,
                PlaintextAuthAllowed = plaintextAllowed,
            };
            var submissionLogger = loggers.CreateLogger("submission");
            var submissionSink = new QueueMessageSink(
                intake,
                policy.BarePostmasterAddress,
                submissionLogger,
                new QueueMessageSink.SubmissionMode(settings.Hostname, time, options.Submission.RestrictSender ? policy : null));
            var submissionHandler = new SmtpConnectionHandler(submissionOptions, policy, submissionSink, time, submissionLogger);
            Listen("submission", "Submission:Listen", settings.Parsed.SubmissionListen, submissionHandler, smtpRefusal, null);
            Listen("submissions", "Submissions:Listen", settings.Parsed.SubmissionsListen, submissionHandler, smtpRefusal, tls);

            var pop3Logger = loggers.CreateLogger("pop3");
            var pop3Options = new Pop3ServerOptions
            {
                Hostname = settings.Hostname,
                MaxErrors = options.Limits.ErrorsPerSession,
                StartTls = tls,
                AllowPlaintextAuth = false, // PlaintextAuthAllowed below decides, per client address
                PlaintextAuthAllowed = plaintextAllowed,
                Guard = guard,
            };
            var pop3Handler = new Pop3ConnectionHandler(pop3Options, directory, store.Mailboxes, pop3Logger);
            const string pop3Refusal = "-ERR [SYS/TEMP] Too many connections, try again later\r\n";
            Listen("pop3", "Pop3:Listen", settings.Pop3Listen, pop3Handler, pop3Refusal, null);
            Listen("pop3s", "Pop3s:Listen", settings.Parsed.Pop3sListen, pop3Handler, pop3Refusal, tls);

            var imapLogger = loggers.CreateLogger("imap");
            var imapOptions = new ImapServerOptions
            {
                Hostname = settings.Hostname,
                MaxErrors = options.Limits.ErrorsPerSession,
                MaxMessageSize = options.Limits.MessageSizeBytes,
                StartTls = tls,
                AllowPlaintextAuth = false, // PlaintextAuthAllowed below decides, per client address
                PlaintextAuthAllowed = plaintextAllowed,
                Guard = guard,
            };
            var imapHandler = new ImapConnectionHandler(imapOptions, directory, store.Mailboxes, store.Blobs, time, imapLogger);
            const string imapRefusal = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";

            // Mail clients keep an IMAP connection open for IDLE as long as they run (RFC 2177 asks them to renew
            // it every 29 minutes): the session limit would only make them reconnect, so it does not apply.
            var imapTimeouts = timeouts with { Session = Timeout.InfiniteTimeSpan };
            Listen("imap", "Imap:Listen", settings.ImapListen, imapHandler, imapRefusal, null, imapTimeouts);
            Listen("imaps", "Imaps:Listen", settings.Parsed.ImapsListen, imapHandler, imapRefusal, tls, imapTimeouts);

            runner.Start();
            return new CarrierServer(directoryLock, store, directory, runner, remote, summaries, heartbeat, listeners, options.Timeouts.ShutdownGrace);
        }
        catch
        {
            foreach (var listener in listeners.Values)
            {
                listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            remote?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            summaries?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            heartbeat.Dispose();
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>The configured certificate, or the self-signed default, created on the first start.</summary>
    private static ServerCertificate OpenCertificate(CarrierSettings settings, TimeProvider time, ILogger logger)
    {
        if (settings.TlsIsDefault && !File.Exists(settings.TlsCertificateFile) && !File.Exists(settings.TlsKeyFile))
        {
            SelfSignedCertificate.Create(settings.Hostname, settings.TlsCertificateFile, settings.TlsKeyFile, time.GetUtcNow());
        }

        return ServerCertificate.Load(settings.TlsCertificateFile, settings.TlsKeyFile, time, logger);
    }

    /// <param name="decoySecret">Only the server answers SCRAM logins; other commands leave it out.</param>
    public static MailDirectory CreateDirectory(CarrierSettings settings, ICarrierStore store, TimeProvider time, byte[]? decoySecret = null) =>
        new(store.Accounts, new DirectoryOptions
        {
            LocalDomains = settings.Options.Domains.Local,
            RelayDomains = settings.Options.Domains.Relay,
            Postmaster = settings.Options.Postmaster,
            PasswordIterations = settings.Options.Store.PasswordIterations,
            DecoySecret = decoySecret,
        }, time);

    /// <summary>The MX router this configuration describes: DNS servers, transport overrides, and who "myself" is.</summary>
    public static MxRouter CreateMxRouter(CarrierSettings settings) => CreateMxRouter(settings, CreateResolver(settings));

    private static MxRouter CreateMxRouter(CarrierSettings settings, DnsClientResolver dns)
    {
        var self = MxRouter.DescribeSelf(settings.Hostname, settings.SmtpListen.Select(e => e.Address));
        return new MxRouter(dns, self, settings.Parsed.Transports);
    }

    /// <summary>A resolver with the configured servers and patience, and a cache of its own (one per process).</summary>
    public static DnsClientResolver CreateResolver(CarrierSettings settings) => new(new DnsOptions
    {
        Servers = settings.Parsed.DnsServers,
        Timeout = settings.Options.Dns.Timeout,
        Retries = settings.Options.Dns.Retries,
    });

    /// <summary>Sender authentication for port 25, or null when it is turned off.</summary>
    private static InboundChecks? CreateInboundChecks(CarrierSettings settings, DnsClientResolver dns)
    {
        var options = settings.Options.Authentication;
        if (!options.Enabled)
        {
            return null;
        }

        var policy = new InboundPolicy
        {
            DmarcReject = options.DmarcReject,
            DmarcQuarantine = options.DmarcQuarantine,
            SpfFail = options.SpfFail,
            TemporaryError = options.TemporaryError,
            Timeout = options.Timeout,
            MaxDkimSignatures = options.MaxDkimSignatures,
        };
        return new InboundChecks(
            new InboundAuthenticator(dns, dns, settings.Hostname, policy),
            options.CheckTrustedNetworks ? [] : settings.Parsed.TrustedNetworks);
    }

    private static RetryPolicy RetryPolicyOf(CarrierOptions options) => new()
    {
        MinBackoff = options.Queue.MinBackoff,
        MaxBackoff = options.Queue.MaxBackoff,
        MaxLifetime = options.Queue.MaxLifetime,
        DelayWarning = options.Queue.DelayWarning is { } warning && warning > TimeSpan.Zero ? warning : null,
    };

    private static QueueRunnerOptions RunnerOptions(CarrierSettings settings) => new()
    {
        Hostname = settings.Hostname,
        MaxConcurrentDeliveries = settings.Options.Queue.MaxConcurrentDeliveries,
        PollInterval = settings.Options.Queue.PollInterval,
        ShutdownGrace = settings.Options.Timeouts.ShutdownGrace,
    };

    private static RemoteDeliveryOptions RemoteOptions(CarrierSettings settings)
    {
        var delivery = settings.Options.Delivery;
        return new RemoteDeliveryOptions
        {
            Client = new SmtpClientOptions
            {
                HeloName = settings.Hostname,
                ConnectTimeout = delivery.ConnectTimeout,
                GreetingTimeout = delivery.GreetingTimeout,
                CommandTimeout = delivery.CommandTimeout,
                DataInitiationTimeout = delivery.CommandTimeout < TimeSpan.FromMinutes(2) ? delivery.CommandTimeout : TimeSpan.FromMinutes(2),
                DataBlockTimeout = delivery.DataTimeout,
                DataTerminationTimeout = delivery.DataTimeout,
                TrustedRoots = OutboundTlsConfiguration.LoadCaFile(settings),
            },
            TlsPolicies = settings.Parsed.OutboundTls,
            MaxPerDestination = delivery.MaxPerDestination,
            DeadHostTime = delivery.DeadHostTime,
            ConnectionIdleTime = delivery.ConnectionIdleTime,
            Dkim = DkimSigning.Load(settings.DataDirectory),
        };
    }

    /// <summary>Stops accepting, lets sessions and deliveries finish within the grace period, and closes the store.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Task.WhenAll(_listeners.Values.Select(l => l.StopAsync(_shutdownGrace)));
        await Runner.StopAsync();
        await _summaries.DisposeAsync();
        await _remote.DisposeAsync();
        await Store.DisposeAsync();
        _heartbeat.Dispose();
        _lock.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
