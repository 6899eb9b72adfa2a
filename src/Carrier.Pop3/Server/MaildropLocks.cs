using System.Collections.Concurrent;

namespace Carrier.Pop3.Server;

/// <summary>
/// RFC 1939 §8: a maildrop is opened by one POP3 session at a time, so that message numbers and deletions
/// of one session are not pulled from under another.
/// </summary>
public sealed class MaildropLocks
{
    private readonly ConcurrentDictionary<long, byte> _held = new();

    public bool TryAcquire(long accountId) => _held.TryAdd(accountId, 0);

    public void Release(long accountId) => _held.TryRemove(accountId, out _);
}
