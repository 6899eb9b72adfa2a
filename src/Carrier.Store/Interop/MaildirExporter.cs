using System.Globalization;
using System.Text;
using Carrier.Store.Mailboxes;

namespace Carrier.Store.Interop;

/// <summary>
/// Writes an account's mailboxes as a Maildir++ tree that mutt, Dovecot and other Maildir readers open:
/// INBOX as the top folder, every other mailbox as <c>.Name</c>, messages with Unix line ends and their flags
/// in the file name (<c>:2,FRS</c>). Unseen messages go to <c>new/</c>, seen ones to <c>cur/</c>.
/// </summary>
public sealed class MaildirExporter
{
    private readonly IMailboxStore _mailboxes;

    public MaildirExporter(IMailboxStore mailboxes)
    {
        _mailboxes = mailboxes;
    }

    /// <summary>Exports every mailbox of the account; returns the number of messages written.</summary>
    public async Task<int> ExportAsync(long accountId, string root, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        int written = 0;
        foreach (var mailbox in await _mailboxes.ListMailboxesAsync(accountId, cancellationToken))
        {
            string folder = mailbox.Name == "INBOX" ? root : Path.Combine(root, "." + mailbox.Name.Replace('.', '_').Replace('/', '.'));
            foreach (string sub in new[] { "cur", "new", "tmp" })
            {
                Directory.CreateDirectory(Path.Combine(folder, sub));
            }

            if (mailbox.Name != "INBOX")
            {
                // Maildir++: marks a subfolder for readers such as Courier and Dovecot.
                await File.WriteAllBytesAsync(Path.Combine(folder, "maildirfolder"), [], cancellationToken);
            }

            var messages = await _mailboxes.ListMessagesAsync(mailbox.Id, cancellationToken);
            foreach (var message in messages)
            {
                await using var content = await _mailboxes.OpenMessageAsync(mailbox.Id, message.Uid, cancellationToken);
                if (content is null)
                {
                    continue;
                }

                string unique = string.Create(CultureInfo.InvariantCulture, $"{message.InternalDate.ToUnixTimeSeconds()}.U{message.Uid}V{mailbox.UidValidity}.carrier");
                bool seen = message.Flags.HasFlag(MessageFlags.Seen);
                string name = seen ? $"{unique}:2,{FlagLetters(message.Flags)}" : unique;
                string temporary = Path.Combine(folder, "tmp", unique);
                await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous))
                {
                    await CopyWithUnixLineEndsAsync(content, file, cancellationToken);
                }

                // The Maildir protocol: write in tmp/, then rename into place, so readers never see half a file.
                string final = Path.Combine(folder, seen ? "cur" : "new", name);
                File.Move(temporary, final, overwrite: true);
                File.SetLastWriteTimeUtc(final, message.InternalDate.UtcDateTime);
                written++;
            }

            progress?.Report($"{mailbox.Name}: {messages.Count} message{(messages.Count == 1 ? string.Empty : "s")}");
        }

        return written;
    }

    /// <summary>Maildir info letters in ASCII order, as the Maildir specification requires.</summary>
    public static string FlagLetters(MessageFlags flags)
    {
        var letters = new StringBuilder();
        if (flags.HasFlag(MessageFlags.Draft))
        {
            letters.Append('D');
        }

        if (flags.HasFlag(MessageFlags.Flagged))
        {
            letters.Append('F');
        }

        if (flags.HasFlag(MessageFlags.Answered))
        {
            letters.Append('R');
        }

        if (flags.HasFlag(MessageFlags.Seen))
        {
            letters.Append('S');
        }

        if (flags.HasFlag(MessageFlags.Deleted))
        {
            letters.Append('T');
        }

        return letters.ToString();
    }

    private static async Task CopyWithUnixLineEndsAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var input = new byte[65536];
        var output = new byte[65536];
        bool pendingCr = false;
        int read;
        while ((read = await source.ReadAsync(input, cancellationToken)) > 0)
        {
            int n = 0;
            for (int i = 0; i < read; i++)
            {
                byte b = input[i];
                if (pendingCr)
                {
                    pendingCr = false;
                    if (b != (byte)'\n')
                    {
                        output[n++] = (byte)'\r';
                        if (n == output.Length)
                        {
                            await destination.WriteAsync(output.AsMemory(0, n), cancellationToken);
                            n = 0;
                        }
                    }
                }

                if (b == (byte)'\r')
                {
                    pendingCr = true;
                    continue;
                }

                output[n++] = b;
                if (n == output.Length)
                {
                    await destination.WriteAsync(output.AsMemory(0, n), cancellationToken);
                    n = 0;
                }
            }

            await destination.WriteAsync(output.AsMemory(0, n), cancellationToken);
        }

        if (pendingCr)
        {
            await destination.WriteAsync(new byte[] { (byte)'\r' }, cancellationToken);
        }
    }
}
