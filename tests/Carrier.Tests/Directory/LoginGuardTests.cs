using System.Net;
using Carrier.Directory;
using Carrier.Store.Embedded;
using Carrier.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Directory;

public sealed class LoginGuardTests : IAsyncLifetime
{
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Owner = IPAddress.Parse("198.51.100.1");
    private readonly TempDirectory _directory = new("guard");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private EmbeddedStore _store = null!;
    private LoginGuard _guard = null!;

    public async Task InitializeAsync()
    {
        _store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);
        var directory = new MailDirectory(_store.Accounts, new DirectoryOptions { LocalDomains = ["local.test"], PasswordIterations = 1000 }, TimeProvider.System);
        await directory.AddUserAsync("alice@local.test", "the right password", CancellationToken.None);
        _guard = new LoginGuard(directory, _time);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Runs an attempt to completion, moving the fake clock past the delay the guard waits.</summary>
    private async Task<LoginVerdict> AttemptAsync(IPAddress client, string user, string password)
    {
        var attempt = _guard.AuthenticateAsync(client, user, password, CancellationToken.None).AsTask();
        while (!attempt.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(1);
        }

        return (await attempt).Verdict;
    }

    [Fact]
    public void Each_failure_doubles_the_delay_up_to_the_maximum()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(250), LoginGuard.DelayAfter(1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), LoginGuard.DelayAfter(2));
        Assert.Equal(TimeSpan.FromSeconds(4), LoginGuard.DelayAfter(5));
        Assert.Equal(LoginGuard.MaxDelay, LoginGuard.DelayAfter(50));
    }

    [Fact]
    public async Task A_guessing_address_is_blocked_even_for_the_right_password_until_the_window_passes()
    {
        for (int i = 0; i < LoginGuard.BlockAfter; i++)
        {
            Assert.Equal(LoginVerdict.Refused, await AttemptAsync(Guesser, $"user{i}@local.test", "guess"));
        }

        Assert.Equal(LoginVerdict.Blocked, await AttemptAsync(Guesser, "alice@local.test", "the right password"));
        Assert.Equal(LoginVerdict.Accepted, await AttemptAsync(Owner, "alice@local.test", "the right password"));

        _time.Advance(LoginGuard.Window);
        Assert.Equal(LoginVerdict.Accepted, await AttemptAsync(Guesser, "alice@local.test", "the right password"));
    }

    [Fact]
    public async Task An_account_under_attack_from_many_addresses_is_blocked()
    {
        for (int i = 0; i < LoginGuard.BlockAfter; i++)
        {
            await AttemptAsync(IPAddress.Parse($"192.0.2.{i + 10}"), "alice@local.test", "guess");
        }

        Assert.Equal(LoginVerdict.Blocked, await AttemptAsync(Owner, "alice@local.test", "the right password"));
    }
}
