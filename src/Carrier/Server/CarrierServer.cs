using System.Text;
using Carrier.Configuration;
using Carrier.Delivery;
using Carrier.Delivery.Local;
using Carrier.Delivery.Remote;
using Carrier.Directory;
using Carrier.Net.Connections;
using Carrier.Net.Listeners;
using Carrier.Queue;
using Carrier.Queue.Runner;
using Carrier.Routing;
using Carrier.Routing.Dns;
using Carrier.Routing.Planning;
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
    private readonly Heartbeat _heartbeat;
    private readonly ConnectionListener _smtp;
    private readonly TimeSpan _shutdownGrace;
    private bool _stopped;

    private CarrierServer(DataDirectoryLock directoryLock, ICarrierStore store, MailDirectory directory, QueueRunner runner, RemoteDeliveryAgent remote, Heartbeat heartbeat, ConnectionListener smtp, TimeSpan shutdownGrace)
    {
        _lock = directoryLock;
        _remote = remote;
        Store = store;
        Directory = directory;
        Runner = runner;
        _heartbeat = heartbeat;
        _smtp = smtp;
        _shutdownGrace = shutdownGrace;
    }

    public ICarrierStore Store { get; }

    public MailDirectory Directory { get; }

    public QueueRunner Runner { get; }

    public IReadOnlyList<ListenEndpoint> SmtpEndpoints => _smtp.BoundEndpoints;

    public static CarrierServer Start(CarrierSettings settings, ILoggerFactory loggers, TimeProvider time)
    {
        var options = settings.Options;
        var directoryLock = DataDirectoryLock.Acquire(settings.DataDirectory);
        EmbeddedStore? store = null;
        try
        {
            store = EmbeddedStore.Open(
                settings.DataDirectory,
                new EmbeddedStoreOptions { InlineBlobMaxBytes = options.Store.InlineBlobMaxBytes },
                time,
                loggers.CreateLogger("store"));
            var directory = CreateDirectory(settings, store, time);
            var classifier = new DomainClassifier(directory);
            var intake = new MessageIntake(store.Queue, store.Blobs, time, loggers.CreateLogger("queue"));
            var local = new LocalDeliveryAgent(directory, store.Mailboxes, new QueueForwarder(intake, time), time);
            var remote = new RemoteDeliveryAgent(CreateMxRouter(settings), RemoteOptions(settings), time, loggers.CreateLogger("smtp"));
            var router = new DeliveryRouter(classifier, local, remote, options.Limits.MaxHops);
            var retry = new RetryPolicy
            {
                MinBackoff = options.Queue.MinBackoff,
                MaxBackoff = options.Queue.MaxBackoff,
                MaxLifetime = options.Queue.MaxLifetime,
                DelayWarning = options.Queue.DelayWarning is { } warning && warning > TimeSpan.Zero ? warning : null,
            };
            var runner = new QueueRunner(
                store.Queue,
                store.Blobs,
                router,
                retry,
                new QueueRunnerOptions
                {
                    Hostname = settings.Hostname,
                    MaxConcurrentDeliveries = options.Queue.MaxConcurrentDeliveries,
                    PollInterval = options.Queue.PollInterval,
                    ShutdownGrace = options.Timeouts.ShutdownGrace,
                },
                time,
                loggers.CreateLogger("queue"));
            intake.Submitted = runner.Wake;

            string primaryDomain = options.Domains.Local.FirstOrDefault() ?? settings.Hostname;
            var policy = new SmtpRecipientPolicy(classifier, directory, primaryDomain, settings.Parsed.TrustedNetworks);
            var sink = new QueueMessageSink(intake, policy.BarePostmasterAddress, loggers.CreateLogger("smtpd"));
            var smtpOptions = new SmtpServerOptions
            {
                Hostname = settings.Hostname,
                MaxMessageSize = options.Limits.MessageSizeBytes,
                MaxRecipients = options.Limits.RecipientsPerMessage,
                MaxCommandLineLength = options.Limits.CommandLineBytes,
                MaxDataLineLength = options.Limits.DataLineBytes,
                MaxErrors = options.Limits.ErrorsPerSession,
            };
            var heartbeat = new Heartbeat(time);
            var limiter = new ConnectionLimiter(options.Limits.Connections, options.Limits.ConnectionsPerIp);
            var smtp = new ConnectionListener(
                new ListenerOptions
                {
                    Name = "smtpd",
                    ConfigurationKey = "Smtp:Listen",
                    Endpoints = settings.SmtpListen,
                    Handler = new SmtpConnectionHandler(smtpOptions, policy, sink, time, loggers.CreateLogger("smtpd")),
                    Timeouts = new ConnectionTimeouts(options.Timeouts.Idle, options.Timeouts.Session),
                    TooManyConnectionsReply = Encoding.ASCII.GetBytes(SmtpReplies.TooManyConnections(settings.Hostname).ToWireString()),
                },
                limiter,
                heartbeat,
                time,
                loggers.CreateLogger("smtpd"));
            try
            {
                smtp.Start();
            }
            catch
            {
                heartbeat.Dispose();
                throw;
            }

            runner.Start();
            return new CarrierServer(directoryLock, store, directory, runner, remote, heartbeat, smtp, options.Timeouts.ShutdownGrace);
        }
        catch
        {
            if (store is not null)
            {
                store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            directoryLock.Dispose();
            throw;
        }
    }

    public static MailDirectory CreateDirectory(CarrierSettings settings, ICarrierStore store, TimeProvider time) =>
        new(store.Accounts, new DirectoryOptions
        {
            LocalDomains = settings.Options.Domains.Local,
            RelayDomains = settings.Options.Domains.Relay,
            Postmaster = settings.Options.Postmaster,
            PasswordIterations = settings.Options.Store.PasswordIterations,
        }, time);

    /// <summary>The MX router this configuration describes: DNS servers, transport overrides, and who "myself" is.</summary>
    public static MxRouter CreateMxRouter(CarrierSettings settings)
    {
        var dns = new DnsClientResolver(new DnsOptions
        {
            Servers = settings.Parsed.DnsServers,
            Timeout = settings.Options.Dns.Timeout,
            Retries = settings.Options.Dns.Retries,
        });
        var self = MxRouter.DescribeSelf(settings.Hostname, settings.SmtpListen.Select(e => e.Address));
        return new MxRouter(dns, self, settings.Parsed.Transports);
    }

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
                StartTls = delivery.OpportunisticTls ? OpportunisticTls : null,
            },
            MaxPerDestination = delivery.MaxPerDestination,
            DeadHostTime = delivery.DeadHostTime,
            ConnectionIdleTime = delivery.ConnectionIdleTime,
        };
    }

    // RFC 7435 opportunistic security: encrypt when offered, accept any certificate, never refuse to deliver over it.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5359", Justification = "Opportunistic TLS (RFC 7435) encrypts against passive listeners without authenticating the server; the alternative is plain text.")]
    private static System.Net.Security.SslClientAuthenticationOptions OpportunisticTls(string host) => new()
    {
        TargetHost = host,
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    };

    /// <summary>Stops accepting, lets sessions and deliveries finish within the grace period, and closes the store.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _smtp.StopAsync(_shutdownGrace);
        await Runner.StopAsync();
        await _remote.DisposeAsync();
        await Store.DisposeAsync();
        _heartbeat.Dispose();
        _lock.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
