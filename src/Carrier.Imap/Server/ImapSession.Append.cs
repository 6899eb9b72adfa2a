using Carrier.Imap.Protocol;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private sealed record AppendedMessage(MessageFlags Flags, List<string> Keywords, DateTimeOffset InternalDate, ReadOnlyMemory<byte> Content);

    private async Task<bool> AppendAsync(CommandContext command)
    {
        var args = command.Args;
        string syntax = "APPEND mailbox [(flags)] [\"date-time\"] {size} [[(flags)] [\"date-time\"] {size} ...]";
        if (!args.Space() || !TryReadMailbox(args, out string name) || !args.Space())
        {
            return BadSyntax(command, syntax);
        }

        // RFC 3502 MULTIAPPEND: several messages in one command, appended all or none.
        var messages = new List<AppendedMessage>();
        do
        {
            if (!TryReadAppendedMessage(args, out var message, out string? problem))
            {
                return problem is null ? BadSyntax(command, syntax) : Bad(command.Tag, problem);
            }

            messages.Add(message);
        }
        while (args.Space());

        if (!args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (mailbox is null)
        {
            return No(command, "[TRYCREATE] No such mailbox");
        }

        if (messages.Any(m => m.Content.Length == 0))
        {
            return No(command, "An empty message cannot be appended");
        }

        var writers = new List<IBlobWriter>(messages.Count);
        try
        {
            var requests = new List<AppendRequest>(messages.Count);
            foreach (var message in messages)
            {
                var writer = _blobs.CreateWriter();
                writers.Add(writer);
                await writer.WriteAsync(message.Content, Aborted);

                // Summarised before the commit, so that message and summary are stored in one transaction.
                writer.Summary = SummaryOf(message.Content);
                requests.Add(new AppendRequest(mailbox.Id, writer.BlobId, writer.Length, ReadOnlyMemory<byte>.Empty, message.Flags, message.Keywords, message.InternalDate, DeliveryKey: null));
            }

            var results = await _mailboxes.AppendManyAsync(requests, writers, Aborted);
            LogMailboxOperation("append", User, mailbox.Name);
            await SynchronizeAsync(allowExpunge: true);
            string uids = SequenceSet.Format([.. results.Select(r => r.Uid)]);
            return Ok(command, $"[APPENDUID {mailbox.UidValidity} {uids}] APPEND completed");
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The summary stored with an appended message; null when MimeKit cannot read the message (one that starts with
    /// a continuation line, say). Such a message is stored all the same: the client sent it, and SEARCH of its
    /// header still works.
    /// </summary>
    private static string? SummaryOf(ReadOnlyMemory<byte> content)
    {
        try
        {
            return Messages.ImapMessageSummarizer.Summarize(content).ToStoredForm();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>One message of an APPEND: [(flags)] ["date-time"] literal.</summary>
    private bool TryReadAppendedMessage(ImapReader args, out AppendedMessage message, out string? problem)
    {
        message = null!;
        problem = null;
        var flagNames = new List<string>();
        if (args.Peek == '(')
        {
            if (!args.TryReadFlagList(out flagNames, allowBare: false) || !args.Space())
            {
                return false;
            }
        }

        var internalDate = _time.GetUtcNow();
        if (args.Peek == '"')
        {
            if (!args.TryReadDateTime(out internalDate) || !args.Space())
            {
                return false;
            }
        }

        // RFC 3516 §4.4: APPEND takes a literal8 (~{n}) for content with NUL or 8-bit octets in binary parts.
        if (!args.TryReadStringBytes(out var content, allowBinary: true))
        {
            return false;
        }

        if (!TryParseFlags(flagNames, out var flags, out var keywords, out problem))
        {
            return false;
        }

        message = new AppendedMessage(flags, keywords, internalDate, content);
        return true;
    }
}
