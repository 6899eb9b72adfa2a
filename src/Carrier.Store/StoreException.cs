namespace Carrier.Store;

/// <summary>A store operation failed for a reason the caller should report as is (a conflict, a missing item).</summary>
public sealed class StoreException : Exception
{
    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StoreException()
    {
    }
}
