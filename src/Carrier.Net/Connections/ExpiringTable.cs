namespace Carrier.Net.Connections;

/// <summary>
/// A table with a fixed number of entries, each with its own expiry; when full, the entry used least recently
/// gives way. What anti-abuse state remembers about clients lives here, so that no client, however many
/// addresses it has, can make that state grow without bound.
/// </summary>
/// <remarks>Not thread-safe: its owner locks around it.</remarks>
public sealed class ExpiringTable<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = [];

    // Least recently used first: expired and evicted entries come off the front.
    private readonly LinkedList<Entry> _byUse = [];

    public ExpiringTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    /// <summary>The value for <paramref name="key"/> unless it expired (then it is removed).</summary>
    public bool TryGet(TKey key, DateTimeOffset now, out TValue value)
    {
        if (_entries.TryGetValue(key, out var node))
        {
            if (node.Value.Expires > now)
            {
                value = node.Value.Value;
                return true;
            }

            Remove(node);
        }

        value = default!;
        return false;
    }

    /// <summary>Stores a value until <paramref name="expires"/>, making room first by dropping expired and then least used entries.</summary>
    public void Set(TKey key, TValue value, DateTimeOffset expires, DateTimeOffset now)
    {
        if (_entries.TryGetValue(key, out var existing))
        {
            Remove(existing);
        }

        while (_byUse.First is { } oldest && oldest.Value.Expires <= now)
        {
            Remove(oldest);
        }

        while (_entries.Count >= _capacity)
        {
            Remove(_byUse.First!);
        }

        _entries[key] = _byUse.AddLast(new Entry(key, value, expires));
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _entries.Remove(node.Value.Key);
        _byUse.Remove(node);
    }

    private sealed record Entry(TKey Key, TValue Value, DateTimeOffset Expires);
}
