using System.Text.Json;
using System.Text.Json.Serialization;

namespace Carrier.Imap.Messages;

/// <summary>
/// What FETCH needs of a message's structure, rendered once as IMAP wire text and cached with its blob: the
/// ENVELOPE, the extensible BODYSTRUCTURE and the non-extensible BODY (RFC 9051 §7.5.2). The texts are complete
/// IMAP values, literals included, so a FETCH response copies them without parsing the message again. The
/// References header (empty when the message has none) serves THREAD=REFERENCES; summaries stored before it was
/// kept have null there and are computed again when a THREAD needs them.
/// </summary>
public sealed record MessageSummary(string Envelope, string BodyStructure, string Body, string? References = null)
{
    /// <summary>The current layout of the stored form; a summary of another version is computed again.</summary>
    public const int Version = 1;

    public string ToStoredForm() => JsonSerializer.Serialize(new StoredSummary(Version, Envelope, BodyStructure, Body, References), SummaryJson.Default.StoredSummary);

    /// <summary>Reads a stored summary; null when it is of another version or unreadable, so the caller recomputes it.</summary>
    public static MessageSummary? FromStoredForm(string stored)
    {
        try
        {
            var summary = JsonSerializer.Deserialize(stored, SummaryJson.Default.StoredSummary);
            return summary is { V: Version, Envelope: { } envelope, BodyStructure: { } bodyStructure, Body: { } body }
                ? new MessageSummary(envelope, bodyStructure, body, summary.References)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal sealed record StoredSummary(int V, string? Envelope, string? BodyStructure, string? Body, string? References = null);

[JsonSerializable(typeof(StoredSummary))]
internal sealed partial class SummaryJson : JsonSerializerContext;
