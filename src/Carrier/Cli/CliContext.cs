using System.CommandLine;
using Carrier.Configuration;
using Carrier.Directory;
using Carrier.Server;
using Carrier.Store;
using Carrier.Store.Embedded;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Cli;

/// <summary>Options shared by every command, and what administration commands open: settings, store, directory.</summary>
internal sealed class CliContext : IAsyncDisposable
{
    public static readonly Option<string?> DataOption = new("--data", "-d")
    {
        Description = "The data directory (default: $CARRIER_DATA, else ~/.local/share/carrier)",
        HelpName = "DIR",
        Recursive = true,
    };

    private CliContext(CarrierSettings settings, ICarrierStore store, MailDirectory directory)
    {
        Settings = settings;
        Store = store;
        Directory = directory;
    }

    public CarrierSettings Settings { get; }

    public ICarrierStore Store { get; }

    public MailDirectory Directory { get; }

    public static TimeProvider Time => TimeProvider.System;

    /// <summary>Loads the configuration and opens the store of an existing data directory.</summary>
    public static CliContext Open(ParseResult parse)
    {
        string dataDirectory = ConfigurationLoader.ResolveDataDirectory(parse.GetValue(DataOption));
        if (!System.IO.Directory.Exists(dataDirectory))
        {
            throw new CliException($"The data directory {dataDirectory} does not exist. Create it with 'carrier init --data {dataDirectory} --hostname mail.example.org --domain example.org'.", ExitCodes.Config);
        }

        var settings = ConfigurationLoader.Load(dataDirectory);
        var store = EmbeddedStore.Open(
            dataDirectory,
            new EmbeddedStoreOptions { InlineBlobMaxBytes = settings.Options.Store.InlineBlobMaxBytes },
            Time,
            NullLogger.Instance);
        return new CliContext(settings, store, CarrierServer.CreateDirectory(settings, store, Time));
    }

    /// <summary>Runs a command body, turning the failures a user can fix into one clear line and an exit code.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"carrier: {e.Message}");
            return e.ExitCode;
        }
        catch (ConfigurationProblemsException e)
        {
            await Console.Error.WriteLineAsync($"carrier: {e.Message}");
            return ExitCodes.Config;
        }
        catch (Exception e) when (e is ArgumentException or StoreException or FormatException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"carrier: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}

/// <summary>A failure to report to the user as is, with the exit code to leave with.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.Failure)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException()
    {
    }

    public CliException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failure;
}

/// <summary>Exit codes; the sendmail ones are sysexits.h's, which mail programs understand.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 64;
    public const int DataError = 65;
    public const int NoInput = 66;
    public const int NoUser = 67;
    public const int Unavailable = 69;
    public const int Software = 70;
    public const int CantCreate = 73;
    public const int IoError = 74;
    public const int TempFail = 75;
    public const int Config = 78;
}
