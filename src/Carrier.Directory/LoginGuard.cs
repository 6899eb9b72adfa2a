using System.Collections.Concurrent;
using System.Net;
using Carrier.Store.Accounts;

namespace Carrier.Directory;

/// <summary>What a guarded login attempt came to.</summary>
public enum LoginVerdict
{
    Accepted,
    Refused,

    /// <summary>Too many recent failures from this address or for this account: refused without checking.</summary>
    Blocked,
}

/// <summary>
/// Password checks for every protocol, slowed down for guessers: each failure from an address or for an
/// account within <see cref="Window"/> doubles the delay before the answer (up to <see cref="MaxDelay"/>),
/// and after <see cref="BlockAfter"/> failures the address or account is refused outright until the window
/// has passed. Delays are awaited, never slept, so a guesser costs a timer and not a thread.
/// </summary>
public sealed class LoginGuard
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);
    public const int BlockAfter = 10;

    /// <summary>Tracked keys at most; beyond it the oldest records are dropped so memory stays bounded.</summary>
    private const int MaxTracked = 100_000;

    private readonly MailDirectory _directory;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.OrdinalIgnoreCase);

    public LoginGuard(MailDirectory directory, TimeProvider time)
    {
        _directory = directory;
        _time = time;
    }

    public ValueTask<(LoginVerdict Verdict, Account? Account)> AuthenticateAsync(IPAddress client, string user, string password, CancellationToken cancellationToken) =>
        CheckAsync(client, user, token => _directory.AuthenticateAsync(user, password, token), cancellationToken);

    /// <summary>
    /// Runs any credential check under the guard: refused without checking while blocked, and each failure
    /// counted and answered late. <paramref name="check"/> returns the account when the credentials hold.
    /// </summary>
    public async ValueTask<(LoginVerdict Verdict, Account? Account)> CheckAsync(IPAddress client, string user, Func<CancellationToken, ValueTask<Account?>> check, CancellationToken cancellationToken)
    {
        string addressKey = "ip:" + (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);
        string accountKey = "user:" + user.Trim();
        var now = _time.GetUtcNow();
        int before = Math.Max(Count(addressKey, now), Count(accountKey, now));
        if (before >= BlockAfter)
        {
            await Task.Delay(MaxDelay, _time, cancellationToken);
            return (LoginVerdict.Blocked, null);
        }

        var account = await check(cancellationToken);
        if (account is not null)
        {
            _failures.TryRemove(accountKey, out _);
            return (LoginVerdict.Accepted, account);
        }

        int after = Math.Max(Record(addressKey, now), Record(accountKey, now));
        await Task.Delay(DelayAfter(after), _time, cancellationToken);
        return (LoginVerdict.Refused, null);
    }

    /// <summary>250 ms after the first failure, doubling with each further one, at most 8 s.</summary>
    public static TimeSpan DelayAfter(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(Math.Max(failures - 1, 0), 16)));

    private int Count(string key, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var failures) && now - failures.First < Window ? failures.Count : 0;

    private int Record(string key, DateTimeOffset now)
    {
        if (_failures.Count >= MaxTracked)
        {
            Prune(now);
        }

        return _failures.AddOrUpdate(
            key,
            _ => new Failures(now, 1),
            (_, existing) => now - existing.First < Window ? existing with { Count = existing.Count + 1 } : new Failures(now, 1)).Count;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
        {
            if (now - failures.First >= Window)
            {
                _failures.TryRemove(key, out _);
            }
        }

        if (_failures.Count >= MaxTracked)
        {
            _failures.Clear();
        }
    }

    private sealed record Failures(DateTimeOffset First, int Count);
}
