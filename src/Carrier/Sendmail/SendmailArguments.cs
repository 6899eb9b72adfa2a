namespace Carrier.Sendmail;

/// <summary>The sendmail command line, as mail programs and scripts use it (sendmail(8), Postfix sendmail(1)).</summary>
internal sealed record SendmailArguments
{
    public List<string> Recipients { get; } = [];

    /// <summary>-t: take recipients from To:, Cc: and Bcc:, and remove Bcc:.</summary>
    public bool ExtractRecipients { get; set; }

    /// <summary>-i, -oi: a line with a single dot is content, not the end.</summary>
    public bool IgnoreDots { get; set; }

    /// <summary>-f, -r: the envelope sender.</summary>
    public string? Sender { get; set; }

    /// <summary>-F: the full name for an added From: header.</summary>
    public string? FullName { get; set; }

    /// <summary>-bp, or invoked as mailq: list the queue instead.</summary>
    public bool ListQueue { get; set; }

    public bool ShowHelp { get; set; }

    public string? DataDirectory { get; set; }

    public const string Usage = """
        Usage: carrier sendmail [options] [recipient ...] < message
               sendmail [options] [recipient ...] < message    (when installed under that name)

        Queues the message on standard input for delivery. Lines may end in LF or CRLF.
          -t              also take recipients from To:, Cc: and Bcc: (Bcc: is removed)
          -f ADDRESS      envelope sender (default: your user name at the first local domain); also -r
          -F NAME         full name for the From: header added when the message has none
          -i, -oi         a line with a single "." does not end the message
          -bp             list the queue (as mailq does)
          --data DIR      the Carrier data directory (default: $CARRIER_DATA or ~/.local/share/carrier)
          -odi -odb -oem -v -bm and other sendmail options are accepted and ignored

        Exit status follows sysexits.h: 0 queued, 64 usage, 65 bad message or address,
        67 unknown local user, 75 temporary failure (try again), 78 configuration problem.

        Example:
          printf 'Subject: hi\n\nhello\n' | carrier sendmail -f root@example.org alice@example.org
        """;

    /// <summary>Parses; returns null with an error for a command line that cannot be understood.</summary>
    public static SendmailArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        var parsed = new SendmailArguments();
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                parsed.Recipients.AddRange(args.Skip(i + 1));
                break;
            }

            if (arg is "--help" or "-h" or "-?")
            {
                parsed.ShowHelp = true;
                continue;
            }

            if (arg is "--data" or "-d" || arg.StartsWith("--data=", StringComparison.Ordinal))
            {
                if (!TakeValue(args, ref i, arg.StartsWith("--data=", StringComparison.Ordinal) ? "--data=" : arg, out string? data, out error))
                {
                    return null;
                }

                parsed.DataDirectory = data;
                continue;
            }

            if (arg.Length < 2 || arg[0] != '-')
            {
                parsed.Recipients.Add(arg);
                continue;
            }

            switch (arg[1])
            {
                case 't' when arg.Length == 2:
                    parsed.ExtractRecipients = true;
                    break;
                case 'i' when arg.Length == 2:
                    parsed.IgnoreDots = true;
                    break;
                case 'f':
                case 'r':
                    if (!TakeValue(args, ref i, arg[..2], out string? sender, out error))
                    {
                        return null;
                    }

                    parsed.Sender = sender;
                    break;
                case 'F':
                    if (!TakeValue(args, ref i, "-F", out string? name, out error))
                    {
                        return null;
                    }

                    parsed.FullName = name;
                    break;
                case 'o':
                    // -oi is the one option of this family that changes anything; -oem, -odb, -oQ… are ignored.
                    if (arg == "-oi")
                    {
                        parsed.IgnoreDots = true;
                    }

                    break;
                case 'b':
                    if (arg == "-bp")
                    {
                        parsed.ListQueue = true;
                    }
                    else if (arg is not ("-bm" or "-bs"))
                    {
                        error = $"option {arg} is not supported";
                        return null;
                    }

                    break;
                case 'v' or 'n' or 'm' or 'U' or 'q':
                    // Accepted for compatibility and ignored.
                    break;
                case 'B' or 'N' or 'R' or 'V' or 'X' or 'L' or 'O' or 'C' or 'h':
                    // Accepted for compatibility and ignored with their value, attached (-NNEVER) or next (-N NEVER) as sendmail(8) takes it.
                    if (!TakeValue(args, ref i, arg[..2], out _, out error))
                    {
                        return null;
                    }

                    break;
                default:
                    error = $"unknown option {arg}";
                    return null;
            }
        }

        return parsed;
    }

    private static bool TakeValue(IReadOnlyList<string> args, ref int i, string option, out string? value, out string? error)
    {
        string arg = args[i];
        if (arg.Length > option.Length)
        {
            value = arg[option.Length..];
            error = null;
            return true;
        }

        if (i + 1 >= args.Count)
        {
            value = null;
            error = $"option {option} needs a value";
            return false;
        }

        value = args[++i];
        error = null;
        return true;
    }
}
