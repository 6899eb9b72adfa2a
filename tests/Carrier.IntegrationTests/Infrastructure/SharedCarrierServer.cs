namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>
/// One <c>carrier serve</c> for the tests that only need a running server with a few accounts; the
/// tests that change its life (kill, stop, limits) start their own. Tests on it tell their messages
/// apart by unique subjects and Message-IDs.
/// </summary>
/// <remarks>
/// Loopback is not trusted for relaying here (Relay:TrustedNetworks names a documentation network), so
/// mail to other domains is refused as it would be from any stranger; the limits are low enough to reach.
/// </remarks>
public sealed class SharedCarrierServer : IAsyncLifetime
{
    public const string Alice = "alice@local.test";
    public const string Bob = "bob@local.test";
    public const string Carol = "carol@local.test";
    public const long MessageSizeLimit = 1024 * 1024;
    public const int RecipientLimit = 5;

    private CarrierDataDirectory? _data;
    private CarrierServerProcess? _server;

    public CarrierDataDirectory Data => _data ?? throw new InvalidOperationException("not started");

    public CarrierServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public int SmtpPort => Server.SmtpPort;

    public async Task InitializeAsync()
    {
        _data = await CarrierDataDirectory.InitAsync();
        foreach (string user in new[] { Alice, Bob, Carol })
        {
            await _data.AddUserAsync(user);
        }

        _server = await CarrierServerProcess.StartAsync(_data, new Dictionary<string, string>
        {
            ["Relay:TrustedNetworks:0"] = "192.0.2.0/24",
            ["Limits:MessageSizeBytes"] = MessageSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits:RecipientsPerMessage"] = RecipientLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            await _server.StopAsync();
        }

        _server?.Dispose();
        _data?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedCarrierServerCollection : ICollectionFixture<SharedCarrierServer>
{
    public const string Name = "shared carrier serve";
}
