using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    private async Task<bool> AppendAsync(CommandContext command)
    {
        var args = command.Args;
        string syntax = "APPEND mailbox [(flags)] [\"date-time\"] {size}";
        if (!args.Space() || !TryReadMailbox(args, out string name) || !args.Space())
        {
            return BadSyntax(command, syntax);
        }

        var flagNames = new List<string>();
        if (args.Peek == '(')
        {
            if (!args.TryReadFlagList(out flagNames, allowBare: false) || !args.Space())
            {
                return BadSyntax(command, syntax);
            }
        }

        var internalDate = _time.GetUtcNow();
        if (args.Peek == '"')
        {
            if (!args.TryReadDateTime(out internalDate) || !args.Space())
            {
                return BadSyntax(command, syntax);
            }
        }

        // RFC 3516 §4.4: APPEND takes a literal8 (~{n}) for content with NUL or 8-bit octets in binary parts.
        if (!args.TryReadStringBytes(out var content, allowBinary: true) || !args.AtEnd)
        {
            return BadSyntax(command, syntax);
        }

        if (!TryParseFlags(flagNames, out var flags, out var keywords, out string? flagProblem))
        {
            return Bad(command.Tag, flagProblem!);
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (mailbox is null)
        {
            return No(command, "[TRYCREATE] No such mailbox");
        }

        if (content.Length == 0)
        {
            return No(command, "An empty message cannot be appended");
        }

        await using var writer = _blobs.CreateWriter();
        await writer.WriteAsync(content, Aborted);
        var request = new AppendRequest(mailbox.Id, writer.BlobId, writer.Length, ReadOnlyMemory<byte>.Empty, flags, keywords, internalDate, DeliveryKey: null);
        var results = await _mailboxes.AppendAsync([request], writer, Aborted);
        await StoreSummaryAsync(writer.BlobId, content);
        LogMailboxOperation("append", User, mailbox.Name);
        await SynchronizeAsync(allowExpunge: true);
        return Ok(command, $"[APPENDUID {mailbox.UidValidity} {results[0].Uid}] APPEND completed");
    }
}
