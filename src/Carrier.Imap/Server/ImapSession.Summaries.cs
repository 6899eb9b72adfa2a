using Carrier.Imap.Messages;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>
    /// The cached summaries (ENVELOPE, BODY, BODYSTRUCTURE) of the given messages. Local delivery and APPEND
    /// store them; one that is missing or of an older layout is computed from the blob and stored now.
    /// </summary>
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

            summaries[blobId] = await SummarizeBlobAsync(blobId);
        }

        return summaries;
    }

    /// <summary>Computes the summary of a stored blob again and caches it.</summary>
    private async Task<MessageSummary> SummarizeBlobAsync(string blobId)
    {
        await using var blob = await _blobs.OpenReadAsync(blobId, Aborted);
        using var content = new MemoryStream();
        await blob.CopyToAsync(content, Aborted);
        return await StoreSummaryAsync(blobId, content.GetBuffer().AsMemory(0, (int)content.Length));
    }

    /// <summary>Computes and caches the summary of a blob's content.</summary>
    private async Task<MessageSummary> StoreSummaryAsync(string blobId, ReadOnlyMemory<byte> content)
    {
        var summary = ImapMessageSummarizer.Summarize(content);
        await _blobs.SetSummaryAsync(blobId, summary.ToStoredForm(), Aborted);
        return summary;
    }
}
