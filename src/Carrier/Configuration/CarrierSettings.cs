using Carrier.Net.Listeners;
using Microsoft.Extensions.Configuration;

namespace Carrier.Configuration;

/// <summary>Validated configuration, with the parsed forms of the keys that need parsing.</summary>
public sealed record CarrierSettings(
    CarrierOptions Options,
    string DataDirectory,
    string? ConfigFile,
    string Hostname,
    IReadOnlyList<ListenEndpoint> SmtpListen,
    IConfiguration Configuration);
