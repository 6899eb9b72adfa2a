using System.CommandLine;
using Carrier.Configuration;
using Carrier.Net.Listeners;
using Carrier.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Carrier.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", """
            Run the mail server: SMTP listeners, the queue and local delivery, until SIGTERM or Ctrl+C.
            Without a carrier.json it runs on the defaults (see 'carrier check').

            Example:
              carrier serve --data ./carrier-data
              CARRIER_Smtp__Listen__0=127.0.0.1:2525 carrier serve
            """);
        command.SetAction((parse, cancellationToken) => CliContext.RunAsync(async () =>
        {
            string data = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(CliContext.DataOption));
            System.IO.Directory.CreateDirectory(data);
            var settings = ConfigurationLoader.Load(data);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            ConfigureLogging(builder.Logging, settings);
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddHostedService<CarrierHostedService>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Options.Timeouts.ShutdownGrace + TimeSpan.FromSeconds(15));
            using var host = builder.Build();
            try
            {
                await host.RunAsync(cancellationToken);
            }
            catch (ListenerBindException e)
            {
                throw new CliException(e.Message, ExitCodes.Config);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static void ConfigureLogging(ILoggingBuilder logging, CarrierSettings settings)
    {
        logging.AddConfiguration(settings.Configuration.GetSection("Logging"));
        logging.SetMinimumLevel(LogLevel.Information);

        // The host's own start-up chatter (content root, environment) means nothing to a mail administrator.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }
}

/// <summary>Starts and stops the <see cref="CarrierServer"/> with the host (which handles SIGTERM).</summary>
internal sealed partial class CarrierHostedService : IHostedService
{
    private readonly CarrierSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CarrierServer? _server;

    public CarrierHostedService(CarrierSettings settings, ILoggerFactory loggers, TimeProvider time)
    {
        _settings = settings;
        _loggers = loggers;
        _time = time;
        _logger = loggers.CreateLogger("carrier");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _server = CarrierServer.Start(_settings, _loggers, _time);
        LogStarted(_settings.Hostname, _settings.DataDirectory, _settings.ConfigFile ?? "none, defaults");
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            LogStopping();
            await _server.StopAsync();
            LogStopped();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Carrier started: hostname {Hostname}, data {DataDirectory}, configuration {ConfigFile}")]
    private partial void LogStarted(string hostname, string dataDirectory, string configFile);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Carrier stopping: no new connections; finishing sessions and deliveries in progress")]
    private partial void LogStopping();

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Carrier stopped")]
    private partial void LogStopped();
}
