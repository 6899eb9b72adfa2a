using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace Carrier.Smtp.Protocol;

/// <summary>
/// Turns one command line (without its CRLF) into a typed <see cref="SmtpCommand"/>. The verb is looked up
/// first, then only that verb's arguments are parsed. Total: any input gives a command or an
/// <see cref="InvalidCommand"/> carrying the reply.
/// </summary>
/// <remarks>SECURITY: parses untrusted input from any client on port 25; line length is bounded by the caller.</remarks>
public static class SmtpCommandParser
{
    public static SmtpCommand Parse(ReadOnlySpan<byte> line)
    {
        if (line.Contains((byte)0))
        {
            return new InvalidCommand(null, SmtpReplies.NulInCommand);
        }

        if (!Utf8.IsValid(line))
        {
            return new InvalidCommand(null, SmtpReplies.InvalidUtf8);
        }

        string text = Encoding.UTF8.GetString(line);
        int space = text.IndexOf(' ');
        var verbText = space < 0 ? text.AsSpan() : text.AsSpan(0, space);
        var args = space < 0 ? [] : text.AsSpan(space + 1);
        if (!TryGetVerb(verbText, out var verb))
        {
            return new InvalidCommand(null, SmtpReplies.CommandUnrecognized);
        }

        return verb switch
        {
            SmtpVerb.Ehlo => ParseHello(args, extended: true),
            SmtpVerb.Helo => ParseHello(args, extended: false),
            SmtpVerb.Mail => ParseMail(args),
            SmtpVerb.Rcpt => ParseRcpt(args),
            SmtpVerb.Data => NoArguments(verb, args, new DataCommand()),
            SmtpVerb.Bdat => ParseBdat(args),
            SmtpVerb.Rset => NoArguments(verb, args, new RsetCommand()),
            SmtpVerb.Noop => new NoopCommand(), // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
            SmtpVerb.Quit => NoArguments(verb, args, new QuitCommand()),
            SmtpVerb.Vrfy => args.IsWhiteSpace() ? Invalid(verb, "5.5.4", "Syntax: VRFY address") : new VrfyCommand(args.Trim().ToString()),
            SmtpVerb.Expn => args.IsWhiteSpace() ? Invalid(verb, "5.5.4", "Syntax: EXPN list") : new ExpnCommand(args.Trim().ToString()),
            SmtpVerb.Help => new HelpCommand(args.IsWhiteSpace() ? null : args.Trim().ToString()),
            SmtpVerb.StartTls => NoArguments(verb, args, new StartTlsCommand()),
            SmtpVerb.Auth => ParseAuth(args),
            _ => new InvalidCommand(null, SmtpReplies.CommandUnrecognized),
        };
    }

    public static bool TryGetVerb(ReadOnlySpan<char> word, out SmtpVerb verb)
    {
        verb = default;
        if (word.Length == 4)
        {
            Span<char> upper = stackalloc char[4];
            word.ToUpperInvariant(upper);
            switch (upper)
            {
                case "EHLO": verb = SmtpVerb.Ehlo; return true;
                case "HELO": verb = SmtpVerb.Helo; return true;
                case "MAIL": verb = SmtpVerb.Mail; return true;
                case "RCPT": verb = SmtpVerb.Rcpt; return true;
                case "DATA": verb = SmtpVerb.Data; return true;
                case "BDAT": verb = SmtpVerb.Bdat; return true;
                case "RSET": verb = SmtpVerb.Rset; return true;
                case "NOOP": verb = SmtpVerb.Noop; return true;
                case "QUIT": verb = SmtpVerb.Quit; return true;
                case "VRFY": verb = SmtpVerb.Vrfy; return true;
                case "EXPN": verb = SmtpVerb.Expn; return true;
                case "HELP": verb = SmtpVerb.Help; return true;
                case "AUTH": verb = SmtpVerb.Auth; return true;
                default: return false;
            }
        }

        if (word.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase))
        {
            verb = SmtpVerb.StartTls;
            return true;
        }

        return false;
    }

    private static SmtpCommand NoArguments(SmtpVerb verb, ReadOnlySpan<char> args, SmtpCommand command) =>
        args.IsWhiteSpace() ? command : Invalid(verb, "5.5.4", $"Syntax: {verb.ToString().ToUpperInvariant()} takes no arguments");

    private static InvalidCommand Invalid(SmtpVerb verb, string status, string text) =>
        new(verb, SmtpReplies.Syntax(status, text));

    private static SmtpCommand ParseHello(ReadOnlySpan<char> args, bool extended)
    {
        var domain = args.Trim();
        if (domain.IsEmpty)
        {
            return Invalid(extended ? SmtpVerb.Ehlo : SmtpVerb.Helo, "5.5.4", extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
        }

        // Clients send all sorts of names here (RFC 5321 §4.1.4 says not to refuse on it); keep the first word.
        int space = domain.IndexOf(' ');
        return new EhloCommand((space < 0 ? domain : domain[..space]).ToString(), extended);
    }

    private static SmtpCommand ParseMail(ReadOnlySpan<char> args)
    {
        if (!TryStripPrefix(args, "FROM:", out var rest))
        {
            return Invalid(SmtpVerb.Mail, "5.5.4", "Syntax: MAIL FROM:<address>");
        }

        if (!SmtpPathParser.TryParse(rest, allowNull: true, out int consumed, out var path, out string? error))
        {
            return Invalid(SmtpVerb.Mail, "5.1.7", $"Bad sender address syntax: {error}");
        }

        // RFC 5321 §4.1.1.3: the bare <Postmaster> is a recipient only; a reverse path is a mailbox with a domain.
        if (path is { IsBarePostmaster: true })
        {
            return Invalid(SmtpVerb.Mail, "5.1.7", "Bad sender address syntax: address must be local-part@domain");
        }

        if (!TryParseParameters(rest[consumed..], out var parameters, out var failure))
        {
            return new InvalidCommand(SmtpVerb.Mail, failure!);
        }

        var mail = MailParameters.None;
        foreach (var (keyword, value) in parameters)
        {
            switch (keyword)
            {
                case "SIZE":
                    if (value is null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long size) || value.Length > 20)
                    {
                        return Invalid(SmtpVerb.Mail, "5.5.4", "Bad SIZE parameter");
                    }

                    mail = mail with { DeclaredSize = size };
                    break;
                case "BODY":
                    if (string.Equals(value, "7BIT", StringComparison.OrdinalIgnoreCase))
                    {
                        mail = mail with { Body = BodyType.SevenBit };
                    }
                    else if (string.Equals(value, "8BITMIME", StringComparison.OrdinalIgnoreCase))
                    {
                        mail = mail with { Body = BodyType.EightBitMime };
                    }
                    else
                    {
                        return new InvalidCommand(SmtpVerb.Mail, new SmtpReply(555, "5.5.4", "Unsupported BODY parameter value"));
                    }

                    break;
                case "SMTPUTF8":
                    if (value is not null)
                    {
                        return Invalid(SmtpVerb.Mail, "5.5.4", "SMTPUTF8 takes no value");
                    }

                    mail = mail with { SmtpUtf8 = true };
                    break;
                case "RET":
                    if (string.Equals(value, "FULL", StringComparison.OrdinalIgnoreCase))
                    {
                        mail = mail with { Return = DsnReturn.Full };
                    }
                    else if (string.Equals(value, "HDRS", StringComparison.OrdinalIgnoreCase))
                    {
                        mail = mail with { Return = DsnReturn.Headers };
                    }
                    else
                    {
                        return Invalid(SmtpVerb.Mail, "5.5.4", "Bad RET parameter: use FULL or HDRS");
                    }

                    break;
                case "ENVID":
                    if (value is null || value.Length > 100 || !Xtext.TryDecode(value, out string? envelopeId))
                    {
                        return Invalid(SmtpVerb.Mail, "5.5.4", "Bad ENVID parameter (xtext, at most 100 characters)");
                    }

                    mail = mail with { EnvelopeId = envelopeId };
                    break;
                case "AUTH":
                    if (value is null)
                    {
                        return Invalid(SmtpVerb.Mail, "5.5.4", "Bad AUTH parameter");
                    }

                    mail = mail with { Auth = value };
                    break;
                default:
                    return new InvalidCommand(SmtpVerb.Mail, new SmtpReply(555, "5.5.4", $"Unsupported option: {keyword}"));
            }
        }

        return new MailCommand(path, mail);
    }

    private static SmtpCommand ParseRcpt(ReadOnlySpan<char> args)
    {
        if (!TryStripPrefix(args, "TO:", out var rest))
        {
            return Invalid(SmtpVerb.Rcpt, "5.5.4", "Syntax: RCPT TO:<address>");
        }

        if (!SmtpPathParser.TryParse(rest, allowNull: false, out int consumed, out var path, out string? error))
        {
            return Invalid(SmtpVerb.Rcpt, "5.1.3", $"Bad recipient address syntax: {error}");
        }

        if (!TryParseParameters(rest[consumed..], out var parameters, out var failure))
        {
            return new InvalidCommand(SmtpVerb.Rcpt, failure!);
        }

        var rcpt = RcptParameters.None;
        foreach (var (keyword, value) in parameters)
        {
            switch (keyword)
            {
                case "NOTIFY":
                    if (value is null || !TryParseNotify(value, out var notify))
                    {
                        return Invalid(SmtpVerb.Rcpt, "5.5.4", "Bad NOTIFY parameter: NEVER, or a list of SUCCESS, FAILURE, DELAY");
                    }

                    rcpt = rcpt with { Notify = notify };
                    break;
                case "ORCPT":
                    int semicolon = value?.IndexOf(';') ?? -1;
                    if (value is null || semicolon <= 0 || value.Length > 500 || !Xtext.TryDecode(value.AsSpan(semicolon + 1), out string? original))
                    {
                        return Invalid(SmtpVerb.Rcpt, "5.5.4", "Bad ORCPT parameter: use addr-type;xtext");
                    }

                    rcpt = rcpt with { OriginalRecipient = $"{value[..semicolon]};{original}" };
                    break;
                default:
                    return new InvalidCommand(SmtpVerb.Rcpt, new SmtpReply(555, "5.5.4", $"Unsupported option: {keyword}"));
            }
        }

        return new RcptCommand(path!, rcpt);
    }

    private static SmtpCommand ParseBdat(ReadOnlySpan<char> args)
    {
        var trimmed = args.Trim();
        int space = trimmed.IndexOf(' ');
        var sizeText = space < 0 ? trimmed : trimmed[..space];
        var rest = space < 0 ? [] : trimmed[(space + 1)..].Trim();
        if (sizeText.IsEmpty || sizeText.Length > 18 || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            return Invalid(SmtpVerb.Bdat, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
        }

        if (rest.IsEmpty)
        {
            return new BdatCommand(size, Last: false);
        }

        return rest.Equals("LAST", StringComparison.OrdinalIgnoreCase)
            ? new BdatCommand(size, Last: true)
            : Invalid(SmtpVerb.Bdat, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
    }

    private static SmtpCommand ParseAuth(ReadOnlySpan<char> args)
    {
        var trimmed = args.Trim();
        if (trimmed.IsEmpty)
        {
            return Invalid(SmtpVerb.Auth, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        }

        int space = trimmed.IndexOf(' ');
        string mechanism = (space < 0 ? trimmed : trimmed[..space]).ToString().ToUpperInvariant();
        string? initial = space < 0 ? null : trimmed[(space + 1)..].Trim().ToString();
        return new AuthCommand(mechanism, initial);
    }

    private static bool TryParseNotify(string value, out DsnNotify notify)
    {
        notify = DsnNotify.Unspecified;
        foreach (string part in value.Split(','))
        {
            var flag = part.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.Unspecified,
            };
            if (flag == DsnNotify.Unspecified || (notify & flag) != 0)
            {
                return false;
            }

            notify |= flag;
        }

        // RFC 3461 §4.1: NEVER stands alone.
        return !notify.HasFlag(DsnNotify.Never) || notify == DsnNotify.Never;
    }

    private static bool TryStripPrefix(ReadOnlySpan<char> args, string prefix, out ReadOnlySpan<char> rest)
    {
        if (!args.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            rest = default;
            return false;
        }

        // Tolerate "MAIL FROM: <a@b>": RFC 5321 has no space there, but many clients send one.
        rest = args[prefix.Length..].TrimStart(' ');
        return true;
    }

    /// <summary>Parses <c>SP keyword[=value]</c> pairs (RFC 5321 §4.1.2 Mail-parameters); keywords upper-cased.</summary>
    private static bool TryParseParameters(ReadOnlySpan<char> text, out List<(string Keyword, string? Value)> parameters, out SmtpReply? failure)
    {
        parameters = [];
        failure = null;
        if (!text.IsEmpty && text[0] != ' ')
        {
            failure = SmtpReplies.Syntax("5.5.4", "Syntax error after the address");
            return false;
        }

        foreach (var range in text.Split(' '))
        {
            var token = text[range];
            if (token.IsEmpty)
            {
                continue;
            }

            int equals = token.IndexOf('=');
            var keyword = equals < 0 ? token : token[..equals];
            string? value = equals < 0 ? null : token[(equals + 1)..].ToString();
            if (keyword.IsEmpty || !IsEsmtpKeyword(keyword) || (value is not null && !IsEsmtpValue(value)))
            {
                failure = SmtpReplies.Syntax("5.5.4", "Bad parameter syntax");
                return false;
            }

            string upper = keyword.ToString().ToUpperInvariant();
            if (parameters.Exists(p => p.Keyword == upper))
            {
                failure = SmtpReplies.Syntax("5.5.4", $"Parameter {upper} given twice");
                return false;
            }

            if (parameters.Count >= 16)
            {
                failure = SmtpReplies.Syntax("5.5.4", "Too many parameters");
                return false;
            }

            parameters.Add((upper, value));
        }

        return true;
    }

    private static bool IsEsmtpKeyword(ReadOnlySpan<char> keyword)
    {
        if (!char.IsAsciiLetterOrDigit(keyword[0]))
        {
            return false;
        }

        foreach (char c in keyword)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    // esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 under RFC 6531.
    private static bool IsEsmtpValue(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (c is < (char)33 or '=' or (char)127)
            {
                return false;
            }
        }

        return true;
    }
}
