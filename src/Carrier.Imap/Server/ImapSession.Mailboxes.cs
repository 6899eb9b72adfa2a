using Carrier.Imap.Protocol;
using Carrier.Store.Mailboxes;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>Reads a mailbox name argument: UTF-8 after ENABLE UTF8=ACCEPT, modified UTF-7 before; INBOX normalised.</summary>
    private bool TryReadMailbox(ImapReader args, out string name)
    {
        name = string.Empty;
        if (!args.TryReadAString(out string wire))
        {
            return false;
        }

        string? decoded = _out.Utf8 ? wire : MailboxNames.DecodeModifiedUtf7(wire);
        if (decoded is null)
        {
            // A name that is not modified UTF-7 is taken as it is; only names Carrier creates are checked further.
            decoded = wire;
        }

        name = MailboxNames.Normalize(decoded);
        return true;
    }

    private async Task<bool> CreateAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !TryReadMailbox(args, out string name))
        {
            return BadSyntax(command, "CREATE mailbox");
        }

        // RFC 9051 §6.3.4: a trailing delimiter only says that the client intends to create children.
        name = name.TrimEnd(MailboxNames.Delimiter);
        string? useAttribute = null;
        if (args.Space())
        {
            // RFC 6154 §5.3: CREATE name (USE (\Sent)).
            if (!args.TryRead((byte)'(') || !args.TryReadKeyword("USE") || !args.Space() || !args.TryReadFlagList(out var uses, allowBare: false) || !args.TryRead((byte)')') || uses.Count != 1)
            {
                return BadSyntax(command, "CREATE mailbox [(USE (\\special-use))]");
            }

            useAttribute = uses[0];
            if (useAttribute.ToUpperInvariant() is not ("\\SENT" or "\\DRAFTS" or "\\TRASH" or "\\JUNK" or "\\ARCHIVE" or "\\ALL" or "\\FLAGGED"))
            {
                return No(command, "[USEATTR] Unknown special-use attribute");
            }
        }

        if (!args.AtEnd)
        {
            return BadSyntax(command, "CREATE mailbox");
        }

        if (MailboxNames.Problem(name) is { } problem)
        {
            return No(command, "[CANNOT] " + problem);
        }

        if (name == "INBOX" || await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted) is not null)
        {
            return No(command, "[ALREADYEXISTS] Mailbox already exists");
        }

        await CreateSuperiorsAsync(name);
        await _mailboxes.CreateMailboxAsync(_account.Id, name, useAttribute, Aborted);
        LogMailboxOperation("create", User, name);
        return Ok(command, "CREATE completed");
    }

    /// <summary>RFC 9051 §6.3.4: creating a/b/c also creates a and a/b when they do not exist.</summary>
    private async Task CreateSuperiorsAsync(string name)
    {
        int slash = -1;
        while ((slash = name.IndexOf(MailboxNames.Delimiter, slash + 1)) > 0)
        {
            string parent = name[..slash];
            if (await _mailboxes.GetMailboxAsync(_account!.Id, parent, Aborted) is null)
            {
                await _mailboxes.CreateMailboxAsync(_account.Id, parent, null, Aborted);
            }
        }
    }

    private async Task<bool> DeleteAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !TryReadMailbox(args, out string name) || !args.AtEnd)
        {
            return BadSyntax(command, "DELETE mailbox");
        }

        if (name == "INBOX")
        {
            return No(command, "[CANNOT] INBOX cannot be deleted");
        }

        var all = await _mailboxes.ListMailboxesAsync(_account!.Id, Aborted);
        if (!all.Any(m => m.Name == name))
        {
            return No(command, "[NONEXISTENT] No such mailbox");
        }

        if (all.Any(m => m.Name.StartsWith(name + MailboxNames.Delimiter, StringComparison.Ordinal)))
        {
            return No(command, "[HASCHILDREN] The mailbox has children; delete them first");
        }

        if (_selected is { } selected && selected.Name == name)
        {
            // RFC 9051 §6.3.5 lets the server refuse; deleting the open mailbox under the client helps nobody.
            return No(command, "[INUSE] The mailbox is selected; select another one first");
        }

        await _mailboxes.DeleteMailboxAsync(_account.Id, name, Aborted);
        LogMailboxOperation("delete", User, name);
        return Ok(command, "DELETE completed");
    }

    private async Task<bool> RenameAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !TryReadMailbox(args, out string from) || !args.Space() || !TryReadMailbox(args, out string to) || !args.AtEnd)
        {
            return BadSyntax(command, "RENAME existing-mailbox new-mailbox");
        }

        to = to.TrimEnd(MailboxNames.Delimiter);
        if (MailboxNames.Problem(to) is { } problem)
        {
            return No(command, "[CANNOT] " + problem);
        }

        if (await _mailboxes.GetMailboxAsync(_account!.Id, from, Aborted) is null)
        {
            return No(command, "[NONEXISTENT] No such mailbox");
        }

        if (to == "INBOX" || await _mailboxes.GetMailboxAsync(_account.Id, to, Aborted) is not null)
        {
            return No(command, "[ALREADYEXISTS] The new name is taken");
        }

        if (to.StartsWith(from + MailboxNames.Delimiter, StringComparison.Ordinal))
        {
            return No(command, "[CANNOT] A mailbox cannot be moved below itself");
        }

        await CreateSuperiorsAsync(to);
        await _mailboxes.RenameMailboxAsync(_account.Id, from, to, MailboxNames.Delimiter, Aborted);
        LogMailboxOperation("rename", User, $"{from} -> {to}");
        return Ok(command, "RENAME completed");
    }

    private async Task<bool> SubscribeAsync(CommandContext command, bool subscribe)
    {
        var args = command.Args;
        if (!args.Space() || !TryReadMailbox(args, out string name) || !args.AtEnd)
        {
            return BadSyntax(command, $"{command.Name} mailbox");
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (mailbox is null)
        {
            // Unsubscribing from something that does not exist is harmless (RFC 9051 §6.3.8 allows it).
            return subscribe ? No(command, "[NONEXISTENT] No such mailbox") : Ok(command, "UNSUBSCRIBE completed");
        }

        await _mailboxes.SetSubscribedAsync(_account.Id, mailbox.Name, subscribe, Aborted);
        return Ok(command, $"{command.Name} completed");
    }

    private async Task<bool> StatusAsync(CommandContext command)
    {
        var args = command.Args;
        if (!args.Space() || !TryReadMailbox(args, out string name) || !args.Space() || !TryReadStatusItems(args, out var items) || !args.AtEnd)
        {
            return BadSyntax(command, "STATUS mailbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ)");
        }

        var mailbox = await _mailboxes.GetMailboxAsync(_account!.Id, name, Aborted);
        if (mailbox is null)
        {
            return No(command, "[NONEXISTENT] No such mailbox");
        }

        await WriteStatusAsync(mailbox, items);
        return Ok(command, "STATUS completed");
    }

    private static bool TryReadStatusItems(ImapReader args, out List<string> items)
    {
        items = [];
        if (!args.TryRead((byte)'('))
        {
            return false;
        }

        do
        {
            if (!args.TryReadAtom(out string item) || items.Count > 16)
            {
                return false;
            }

            item = item.ToUpperInvariant();
            if (item is not ("MESSAGES" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "DELETED" or "SIZE" or "HIGHESTMODSEQ" or "RECENT"))
            {
                return false;
            }

            items.Add(item);
        }
        while (args.Space());

        return args.TryRead((byte)')');
    }

    private async Task WriteStatusAsync(MailboxInfo mailbox, List<string> items)
    {
        IReadOnlyList<MessageInfo>? messages = null;
        if (items.Any(i => i is "UNSEEN" or "DELETED" or "SIZE" or "RECENT"))
        {
            messages = await _mailboxes.ListMessagesAsync(mailbox.Id, Aborted);
        }

        var values = new List<string>();
        foreach (string item in items)
        {
            string value = item switch
            {
                "MESSAGES" => mailbox.MessageCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "UIDNEXT" => mailbox.UidNext.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "UIDVALIDITY" => mailbox.UidValidity.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "UNSEEN" => messages!.Count(m => !m.Flags.HasFlag(MessageFlags.Seen)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "DELETED" => messages!.Count(m => m.Flags.HasFlag(MessageFlags.Deleted)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "SIZE" => messages!.Sum(m => m.Size).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "HIGHESTMODSEQ" => Math.Max(mailbox.HighestModSeq, 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "RECENT" => UnclaimedCount(mailbox, messages!).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "0",
            };
            values.Add(item + " " + value);
        }

        _out.Text("* STATUS ").Mailbox(mailbox.Name).Text(" (").Text(string.Join(' ', values)).Line(")");
    }
}
