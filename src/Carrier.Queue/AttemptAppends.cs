using Carrier.Store.Mailboxes;

namespace Carrier.Queue;

/// <summary>
/// Mailbox appends a delivery agent leaves for the queue to write in the same transaction as the attempt's
/// outcome, so that a local delivery costs one commit instead of two.
/// </summary>
/// <remarks>
/// An agent that files here reports its recipients delivered; if that transaction fails, nothing of the
/// attempt is recorded and the message is tried again, where each append's delivery key keeps it single.
/// </remarks>
public sealed class AttemptAppends
{
    private readonly List<AppendRequest> _requests = [];

    public IReadOnlyList<AppendRequest> Requests => _requests;

    public void Add(IEnumerable<AppendRequest> requests) => _requests.AddRange(requests);
}
