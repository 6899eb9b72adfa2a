using Carrier.Imap.Messages;

namespace Carrier.Imap.Server;

/// <summary>
/// The parts of a message FETCH reads, by section specifier (the text between the brackets of BODY[...] and
/// BINARY[...]), through the message model in <see cref="Carrier.Imap.Messages"/>.
/// </summary>
internal static class MessageParts
{
    public static bool IsValidSection(string section) => SectionSpec.TryParse(section, out _);

    public static ValueTask<byte[]> ExtractAsync(byte[] message, string section, CancellationToken cancellationToken)
    {
        if (!SectionSpec.TryParse(section, out var spec))
        {
            return ValueTask.FromResult<byte[]>([]);
        }

        return ValueTask.FromResult(spec == SectionSpec.Whole ? message : MessageSections.Extract(message, spec));
    }

    public static async ValueTask<byte[]?> DecodeBinaryAsync(byte[] message, string section, CancellationToken cancellationToken)
    {
        if (!SectionSpec.TryParse(section, out var spec))
        {
            return [];
        }

        return await MessageSections.DecodeBinaryAsync(message, spec, cancellationToken);
    }

    public static ValueTask<MessageSearchText> LoadSearchTextAsync(byte[] message, CancellationToken cancellationToken) =>
        MessageSearchText.LoadOrRawAsync(message, cancellationToken);
}
