using MimeKit;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>One message file of an exported Maildir: its exact bytes and MimeKit's reading of them.</summary>
public sealed record ExportedMessage(string FileName, byte[] Bytes, MimeMessage Message)
{
    public string? Header(string name) => Message.Headers[name];

    /// <summary>The decoded text of the message's (first) text part.</summary>
    public string Text => Message.TextBody ?? throw new InvalidOperationException($"{FileName} has no text body");

    public IEnumerable<string> Headers(string name) => Message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}

/// <summary>The INBOX of a Maildir++ tree as <c>carrier mailbox export</c> wrote it (INBOX is the top level).</summary>
public sealed record ExportedMaildir(string Root, IReadOnlyList<ExportedMessage> Messages)
{
    public static ExportedMaildir Read(string root)
    {
        var messages = new List<ExportedMessage>();
        foreach (string folder in new[] { "new", "cur" }.Select(f => Path.Combine(root, f)).Where(System.IO.Directory.Exists))
        {
            foreach (string file in System.IO.Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            {
                byte[] bytes = File.ReadAllBytes(file);
                using var stream = new MemoryStream(bytes);
                messages.Add(new ExportedMessage(Path.GetFileName(file), bytes, MimeMessage.Load(stream)));
            }
        }

        return new ExportedMaildir(root, messages);
    }

    public IEnumerable<ExportedMessage> WithSubject(string subject) => Messages.Where(m => m.Message.Subject == subject);
}
