using System.Collections.Concurrent;

namespace Carrier.Imap.Server;

/// <summary>
/// The top-level headers of messages, kept for SEARCH's header keys (FROM, SUBJECT, HEADER, ...) so that a search
/// does not read every message of the mailbox again; shared by all sessions, within a budget of octets (the
/// oldest entries leave first).
/// </summary>
/// <remarks>
/// A message is named by its mailbox, the mailbox's UIDVALIDITY and its UID: its content never changes under that
/// name, so an entry is never stale. An expunged message's entry is just never asked for again and ages out.
/// </remarks>
public sealed class MessageHeaderCache
{
    /// <summary>Enough for the headers of about 30,000 messages.</summary>
    public const long DefaultBudget = 32L * 1024 * 1024;

    private readonly long _budget;
    private readonly ConcurrentDictionary<MessageName, byte[]> _headers = new();
    private readonly ConcurrentQueue<MessageName> _age = new();
    private long _octets;

    public MessageHeaderCache(long budget = DefaultBudget)
    {
        _budget = budget;
    }

    internal bool TryGet(long mailboxId, uint uidValidity, uint uid, out byte[] header) =>
        _headers.TryGetValue(new MessageName(mailboxId, uidValidity, uid), out header!);

    internal void Add(long mailboxId, uint uidValidity, uint uid, byte[] header)
    {
        var name = new MessageName(mailboxId, uidValidity, uid);
        if (header.Length > _budget / 64 || !_headers.TryAdd(name, header))
        {
            return;
        }

        _age.Enqueue(name);
        Interlocked.Add(ref _octets, header.Length);
        while (Volatile.Read(ref _octets) > _budget && _age.TryDequeue(out var oldest))
        {
            if (_headers.TryRemove(oldest, out var removed))
            {
                Interlocked.Add(ref _octets, -removed.Length);
            }
        }
    }

    private readonly record struct MessageName(long MailboxId, uint UidValidity, uint Uid);
}
