using Carrier.Imap.Protocol;

namespace Carrier.Imap.Server;

public sealed partial class ImapSession
{
    /// <summary>
    /// LIST with RFC 5258 LIST-EXTENDED selection options (SUBSCRIBED, SPECIAL-USE, RECURSIVEMATCH, REMOTE) and
    /// return options (SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS per RFC 5819), and LSUB for IMAP4rev1 clients.
    /// </summary>
    private async Task<bool> ListAsync(CommandContext command, bool lsub)
    {
        var args = command.Args;
        string syntax = lsub ? "LSUB reference pattern" : "LIST [(selection-options)] reference pattern [RETURN (return-options)]";
        if (!args.Space())
        {
            return BadSyntax(command, syntax);
        }

        var selection = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!lsub && args.Peek == '(')
        {
            if (!TryReadOptionList(args, selection) || !args.Space())
            {
                return BadSyntax(command, syntax);
            }
        }

        if (!TryReadMailbox(args, out string reference) || !args.Space())
        {
            return BadSyntax(command, syntax);
        }

        var patterns = new List<string>();
        if (!lsub && args.TryRead((byte)'('))
        {
            do
            {
                if (!args.TryReadListMailbox(out string pattern) || patterns.Count > 32)
                {
                    return BadSyntax(command, syntax);
                }

                patterns.Add(pattern);
            }
            while (args.Space());

            if (!args.TryRead((byte)')'))
            {
                return BadSyntax(command, syntax);
            }
        }
        else if (args.TryReadListMailbox(out string single))
        {
            patterns.Add(single);
        }
        else
        {
            return BadSyntax(command, syntax);
        }

        var returns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        List<string>? statusItems = null;
        if (!lsub && args.Space())
        {
            if (!args.TryReadKeyword("RETURN") || !args.Space() || !TryReadReturnOptions(args, returns, out statusItems))
            {
                return BadSyntax(command, syntax);
            }
        }

        if (!args.AtEnd || patterns.Any(p => p.Length > ListPattern.MaxLength))
        {
            return BadSyntax(command, syntax);
        }

        if (!selection.All(o => o.ToUpperInvariant() is "SUBSCRIBED" or "REMOTE" or "RECURSIVEMATCH" or "SPECIAL-USE")
            || (selection.Contains("RECURSIVEMATCH") && selection.Count == 1))
        {
            return Bad(command.Tag, "Unknown or incomplete LIST selection options");
        }

        if (patterns.Count == 1 && patterns[0].Length == 0)
        {
            // RFC 9051 §6.3.9: an empty pattern asks for the delimiter and the root.
            _out.Line(lsub ? "* LSUB (\\Noselect) \"/\" \"\"" : "* LIST (\\Noselect) \"/\" \"\"");
            return Ok(command, $"{command.Name} completed");
        }

        var decoded = patterns.Select(p => _out.Utf8 ? p : MailboxNames.DecodeModifiedUtf7(p) ?? p).Select(p => new ListPattern(reference, p)).ToList();
        var all = await _mailboxes.ListMailboxesAsync(_account!.Id, Aborted);
        bool subscribedOnly = lsub || selection.Contains("SUBSCRIBED");
        bool specialOnly = selection.Contains("SPECIAL-USE");
        bool showSubscribed = selection.Contains("SUBSCRIBED") || returns.Contains("SUBSCRIBED");
        foreach (var mailbox in all.OrderBy(m => m.Name == "INBOX" ? 0 : 1).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            if (!decoded.Any(p => p.Matches(mailbox.Name)) || (subscribedOnly && !mailbox.Subscribed) || (specialOnly && mailbox.SpecialUse is null))
            {
                continue;
            }

            var attributes = new List<string>();
            bool hasChildren = all.Any(m => m.Name.StartsWith(mailbox.Name + MailboxNames.Delimiter, StringComparison.Ordinal));
            if (!lsub)
            {
                attributes.Add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
                if (showSubscribed && mailbox.Subscribed)
                {
                    attributes.Add("\\Subscribed");
                }
            }

            if (mailbox.SpecialUse is { } use)
            {
                attributes.Add(use);
            }

            _out.Text(lsub ? "* LSUB (" : "* LIST (").Text(string.Join(' ', attributes)).Text(") \"/\" ").Mailbox(mailbox.Name).EndLine();
            if (statusItems is not null)
            {
                await WriteStatusAsync(mailbox, statusItems);
            }
        }

        return Ok(command, $"{command.Name} completed");
    }

    private static bool TryReadOptionList(ImapReader args, HashSet<string> options)
    {
        if (!args.TryRead((byte)'('))
        {
            return false;
        }

        if (args.TryRead((byte)')'))
        {
            return true;
        }

        do
        {
            if (!args.TryReadAtom(out string option) || options.Count > 16)
            {
                return false;
            }

            options.Add(option);
        }
        while (args.Space());

        return args.TryRead((byte)')');
    }

    private static bool TryReadReturnOptions(ImapReader args, HashSet<string> options, out List<string>? statusItems)
    {
        statusItems = null;
        if (!args.TryRead((byte)'('))
        {
            return false;
        }

        if (args.TryRead((byte)')'))
        {
            return true;
        }

        do
        {
            if (!args.TryReadAtom(out string option) || options.Count > 16)
            {
                return false;
            }

            switch (option.ToUpperInvariant())
            {
                case "STATUS":
                    if (!args.Space() || !TryReadStatusItems(args, out var items))
                    {
                        return false;
                    }

                    statusItems = items;
                    break;
                case "SUBSCRIBED":
                case "CHILDREN":
                case "SPECIAL-USE":
                    options.Add(option);
                    break;
                default:
                    return false;
            }
        }
        while (args.Space());

        return args.TryRead((byte)')');
    }
}
