using System.Text;
using Carrier.Smtp.Protocol;

namespace Carrier.Tests.Smtp;

/// <summary>The command grammar: one line in, a typed command or the exact reply a client would see.</summary>
public sealed class SmtpCommandParserTests
{
    private static SmtpCommand Parse(string line) => SmtpCommandParser.Parse(Encoding.UTF8.GetBytes(line));

    private static T Parsed<T>(string line)
        where T : SmtpCommand => Assert.IsType<T>(Parse(line));

    private static SmtpReply Refused(string line) => Assert.IsType<InvalidCommand>(Parse(line)).Reply;

    private static void AssertRefused(string line, int code, string status, string text)
    {
        var reply = Refused(line);
        Assert.Equal($"{code} {status} {text}", reply.ToString());
    }

    private static SmtpPath Sender(string line) => Parsed<MailCommand>(line).ReversePath!;

    private static SmtpPath Recipient(string line) => Parsed<RcptCommand>(line).ForwardPath;

    private static MailParameters MailParametersOf(string line) => Parsed<MailCommand>(line).Parameters;

    private static RcptParameters RcptParametersOf(string line) => Parsed<RcptCommand>(line).Parameters;

    // --- verbs -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("EHLO", SmtpVerb.Ehlo)]
    [InlineData("ehlo", SmtpVerb.Ehlo)]
    [InlineData("HeLo", SmtpVerb.Helo)]
    [InlineData("MAIL", SmtpVerb.Mail)]
    [InlineData("rcpt", SmtpVerb.Rcpt)]
    [InlineData("Data", SmtpVerb.Data)]
    [InlineData("BDAT", SmtpVerb.Bdat)]
    [InlineData("rset", SmtpVerb.Rset)]
    [InlineData("NOOP", SmtpVerb.Noop)]
    [InlineData("quit", SmtpVerb.Quit)]
    [InlineData("VRFY", SmtpVerb.Vrfy)]
    [InlineData("EXPN", SmtpVerb.Expn)]
    [InlineData("help", SmtpVerb.Help)]
    [InlineData("StartTLS", SmtpVerb.StartTls)]
    [InlineData("AUTH", SmtpVerb.Auth)]
    public void Every_verb_is_recognised_without_regard_to_case(string word, SmtpVerb expected)
    {
        Assert.True(SmtpCommandParser.TryGetVerb(word, out var verb));
        Assert.Equal(expected, verb);
    }

    [Theory]
    [InlineData("")]
    [InlineData("FOO")]
    [InlineData("MAILX")]
    [InlineData("STARTTL")]
    [InlineData("TURN")]
    [InlineData("ETRN")]
    public void Words_that_are_not_verbs_are_not_recognised(string word) =>
        Assert.False(SmtpCommandParser.TryGetVerb(word, out _));

    [Theory]
    [InlineData("")]
    [InlineData("BOGUS")]
    [InlineData("FOO bar")]
    [InlineData("MAILFROM:<a@example.org>")]
    [InlineData(" NOOP")]
    [InlineData("NOOP\tx")]
    public void An_unknown_verb_gets_500_5_5_2_without_a_verb(string line)
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse(line));
        Assert.Null(invalid.Verb);
        Assert.Equal("500 5.5.2 Error: command not recognized", invalid.Reply.ToString());
    }

    [Fact]
    public void Ehlo_keeps_the_client_name_and_says_it_is_extended()
    {
        var ehlo = Parsed<EhloCommand>("EHLO client.example");
        Assert.Equal("client.example", ehlo.Domain);
        Assert.True(ehlo.Extended);
    }

    [Fact]
    public void Helo_is_not_extended()
    {
        var helo = Parsed<EhloCommand>("helo client.example");
        Assert.Equal("client.example", helo.Domain);
        Assert.False(helo.Extended);
    }

    [Fact]
    public void Ehlo_keeps_only_the_first_word_of_a_chatty_client_name() =>
        Assert.Equal("[192.0.2.1]", Parsed<EhloCommand>("EHLO [192.0.2.1] hello there").Domain);

    [Theory]
    [InlineData("EHLO", "Syntax: EHLO hostname")]
    [InlineData("EHLO   ", "Syntax: EHLO hostname")]
    [InlineData("HELO", "Syntax: HELO hostname")]
    public void Ehlo_and_helo_without_a_name_get_501_5_5_4(string line, string text)
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse(line));
        Assert.Equal(line.StartsWith("EHLO", StringComparison.Ordinal) ? SmtpVerb.Ehlo : SmtpVerb.Helo, invalid.Verb);
        Assert.Equal($"501 5.5.4 {text}", invalid.Reply.ToString());
    }

    [Fact]
    public void Data_rset_quit_and_starttls_take_no_arguments()
    {
        Assert.IsType<DataCommand>(Parse("DATA"));
        Assert.IsType<RsetCommand>(Parse("rset"));
        Assert.IsType<QuitCommand>(Parse("QUIT"));
        Assert.IsType<StartTlsCommand>(Parse("STARTTLS"));
    }

    [Theory]
    [InlineData("DATA  ")]
    [InlineData("RSET ")]
    [InlineData("QUIT ")]
    [InlineData("STARTTLS ")]
    public void Trailing_spaces_after_an_argumentless_verb_are_tolerated(string line) =>
        Assert.IsNotType<InvalidCommand>(Parse(line));

    [Theory]
    [InlineData("DATA now", SmtpVerb.Data, "DATA")]
    [InlineData("RSET all", SmtpVerb.Rset, "RSET")]
    [InlineData("QUIT bye", SmtpVerb.Quit, "QUIT")]
    [InlineData("STARTTLS please", SmtpVerb.StartTls, "STARTTLS")]
    public void Arguments_to_an_argumentless_verb_get_501_5_5_4(string line, SmtpVerb verb, string name)
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse(line));
        Assert.Equal(verb, invalid.Verb);
        Assert.Equal($"501 5.5.4 Syntax: {name} takes no arguments", invalid.Reply.ToString());
    }

    [Theory]
    [InlineData("NOOP")]
    [InlineData("NOOP anything at all")]
    public void Noop_ignores_its_argument(string line) => Assert.IsType<NoopCommand>(Parse(line));

    [Fact]
    public void Vrfy_and_expn_carry_their_argument_trimmed()
    {
        Assert.Equal("alice", Parsed<VrfyCommand>("VRFY  alice ").Argument);
        Assert.Equal("staff@example.org", Parsed<ExpnCommand>("EXPN staff@example.org").Argument);
    }

    [Fact]
    public void Vrfy_and_expn_without_an_argument_get_501_5_5_4()
    {
        AssertRefused("VRFY", 501, "5.5.4", "Syntax: VRFY address");
        AssertRefused("EXPN  ", 501, "5.5.4", "Syntax: EXPN list");
    }

    [Fact]
    public void Help_has_an_optional_topic()
    {
        Assert.Null(Parsed<HelpCommand>("HELP").Topic);
        Assert.Null(Parsed<HelpCommand>("HELP ").Topic);
        Assert.Equal("MAIL", Parsed<HelpCommand>("HELP MAIL").Topic);
    }

    [Fact]
    public void Auth_upper_cases_the_mechanism_and_keeps_the_initial_response()
    {
        var plain = Parsed<AuthCommand>("AUTH plain AGFsaWNlAHNlY3JldA==");
        Assert.Equal("PLAIN", plain.Mechanism);
        Assert.Equal("AGFsaWNlAHNlY3JldA==", plain.InitialResponse);

        var login = Parsed<AuthCommand>("auth LOGIN");
        Assert.Equal("LOGIN", login.Mechanism);
        Assert.Null(login.InitialResponse);

        Assert.Equal("=", Parsed<AuthCommand>("AUTH PLAIN =").InitialResponse);
    }

    [Fact]
    public void Auth_without_a_mechanism_gets_501_5_5_4() =>
        AssertRefused("AUTH", 501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");

    // --- bytes that are not text -------------------------------------------------------------------------

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { (byte)'N', (byte)'O', 0, (byte)'O', (byte)'P' })]
    [InlineData(new byte[] { (byte)'N', (byte)'O', (byte)'O', (byte)'P', (byte)' ', 0 })]
    [InlineData(new byte[] { (byte)'M', (byte)'A', (byte)'I', (byte)'L', (byte)' ', (byte)'F', (byte)'R', (byte)'O', (byte)'M', (byte)':', (byte)'<', 0, (byte)'>' })]
    public void A_nul_octet_anywhere_gets_500_5_5_2(byte[] line)
    {
        var invalid = Assert.IsType<InvalidCommand>(SmtpCommandParser.Parse(line));
        Assert.Null(invalid.Verb);
        Assert.Equal("500 5.5.2 Error: NUL octet in command", invalid.Reply.ToString());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { (byte)'N', (byte)'O', (byte)'O', (byte)'P', (byte)' ', 0xC3, 0x28 })]
    [InlineData(new byte[] { (byte)'V', (byte)'R', (byte)'F', (byte)'Y', (byte)' ', 0xE2, 0x82 })]
    [InlineData(new byte[] { (byte)'V', (byte)'R', (byte)'F', (byte)'Y', (byte)' ', 0xC0, 0xAF })]
    [InlineData(new byte[] { (byte)'V', (byte)'R', (byte)'F', (byte)'Y', (byte)' ', 0xED, 0xA0, 0x80 })]
    public void Invalid_utf8_gets_500_5_5_2(byte[] line)
    {
        var invalid = Assert.IsType<InvalidCommand>(SmtpCommandParser.Parse(line));
        Assert.Equal("500 5.5.2 Error: command is not valid UTF-8", invalid.Reply.ToString());
    }

    [Fact]
    public void Every_byte_sequence_gives_a_command_and_never_throws()
    {
        var random = new Random(5321);
        byte[] alphabet = Encoding.ASCII.GetBytes("MAILRCPTFROM:TO<>@\"\\[].:; =+,SIZEBODYNOTIFY\0\r\n");
        for (int n = 0; n < 20_000; n++)
        {
            var line = new byte[random.Next(0, 60)];
            for (int i = 0; i < line.Length; i++)
            {
                line[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            var command = SmtpCommandParser.Parse(line);
            Assert.NotNull(command);
            if (command is InvalidCommand invalid)
            {
                Assert.True(invalid.Reply.Code is 500 or 501 or 555, invalid.Reply.ToString());
                Assert.NotNull(invalid.Reply.Status);
            }
        }
    }

    // --- MAIL FROM ---------------------------------------------------------------------------------------

    [Fact]
    public void Mail_gives_the_reverse_path_with_the_domain_lower_cased()
    {
        var mail = Parsed<MailCommand>("mail from:<Alice@Example.ORG>");
        Assert.Equal(new SmtpPath("Alice", "example.org"), mail.ReversePath);
        Assert.Same(MailParameters.None, mail.Parameters);
    }

    [Theory]
    [InlineData("MAIL FROM:<>")]
    [InlineData("MAIL FROM: <>")]
    [InlineData("MAIL FROM:<> SIZE=10")]
    public void The_null_reverse_path_is_allowed_for_mail(string line) =>
        Assert.Null(Parsed<MailCommand>(line).ReversePath);

    [Theory]
    [InlineData("MAIL FROM: <alice@example.org>")]
    [InlineData("MAIL FROM:   <alice@example.org>")]
    [InlineData("MAIL FROM:alice@example.org")]
    [InlineData("MAIL FROM:alice@example.org ")]
    public void Mail_tolerates_a_space_after_the_colon_and_missing_brackets(string line) =>
        Assert.Equal("alice@example.org", Sender(line).Address);

    [Fact]
    public void Mail_without_brackets_still_takes_parameters()
    {
        var mail = Parsed<MailCommand>("MAIL FROM:alice@example.org SIZE=42");
        Assert.Equal("alice@example.org", mail.ReversePath!.Address);
        Assert.Equal(42, mail.Parameters.DeclaredSize);
    }

    [Theory]
    [InlineData("MAIL")]
    [InlineData("MAIL ")]
    [InlineData("MAIL TO:<alice@example.org>")]
    [InlineData("MAIL FROM<alice@example.org>")]
    [InlineData("MAIL  FROM:<alice@example.org>")]
    public void Mail_without_from_colon_gets_501_5_5_4(string line)
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse(line));
        Assert.Equal(SmtpVerb.Mail, invalid.Verb);
        Assert.Equal("501 5.5.4 Syntax: MAIL FROM:<address>", invalid.Reply.ToString());
    }

    [Theory]
    [InlineData("MAIL FROM:", "missing address")]
    [InlineData("MAIL FROM:<alice@example.org", "missing '>' after the address")]
    [InlineData("MAIL FROM:<alice>", "address must be local-part@domain")]
    [InlineData("MAIL FROM:<alice@>", "address must be local-part@domain")]
    [InlineData("MAIL FROM:<@example.org>", "source route without ':'")]
    [InlineData("MAIL FROM:<a b@example.org>", "invalid character in local part")]
    [InlineData("MAIL FROM:<alice@exa mple.org>", "invalid domain")]
    public void A_bad_sender_gets_501_5_1_7_with_the_reason(string line, string reason) =>
        AssertRefused(line, 501, "5.1.7", $"Bad sender address syntax: {reason}");

    [Theory]
    [InlineData("MAIL FROM:<Postmaster>")]
    [InlineData("MAIL FROM:<postmaster>")]
    [InlineData("MAIL FROM:postmaster")]
    public void The_bare_postmaster_form_is_for_recipients_only(string line) =>
        AssertRefused(line, 501, "5.1.7", "Bad sender address syntax: address must be local-part@domain");

    // --- RCPT TO -----------------------------------------------------------------------------------------

    [Fact]
    public void Rcpt_gives_the_forward_path()
    {
        var rcpt = Parsed<RcptCommand>("RCPT TO:<bob@Example.Org>");
        Assert.Equal(new SmtpPath("bob", "example.org"), rcpt.ForwardPath);
        Assert.Same(RcptParameters.None, rcpt.Parameters);
    }

    [Theory]
    [InlineData("RCPT TO:<Postmaster>")]
    [InlineData("RCPT TO:<postmaster>")]
    [InlineData("rcpt to:<POSTMASTER>")]
    public void Rcpt_accepts_the_bare_postmaster(string line)
    {
        var path = Recipient(line);
        Assert.True(path.IsBarePostmaster);
        Assert.Equal("postmaster", path.Address);
    }

    [Fact]
    public void Postmaster_with_a_domain_is_an_ordinary_mailbox()
    {
        var path = Recipient("RCPT TO:<Postmaster@Example.org>");
        Assert.False(path.IsBarePostmaster);
        Assert.Equal("Postmaster@example.org", path.Address);
    }

    [Fact]
    public void The_null_path_is_not_a_recipient()
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse("RCPT TO:<>"));
        Assert.Equal(SmtpVerb.Rcpt, invalid.Verb);
        Assert.Equal("501 5.1.3 Bad recipient address syntax: the null path <> is not a valid recipient", invalid.Reply.ToString());
    }

    [Theory]
    [InlineData("RCPT")]
    [InlineData("RCPT FROM:<a@example.org>")]
    [InlineData("RCPT TO <a@example.org>")]
    public void Rcpt_without_to_colon_gets_501_5_5_4(string line) =>
        AssertRefused(line, 501, "5.5.4", "Syntax: RCPT TO:<address>");

    [Theory]
    [InlineData("RCPT TO:", "missing address")]
    [InlineData("RCPT TO:<bob@example.org", "missing '>' after the address")]
    [InlineData("RCPT TO:<bob>", "address must be local-part@domain")]
    [InlineData("RCPT TO:<bob@example..org>", "invalid domain")]
    public void A_bad_recipient_gets_501_5_1_3_with_the_reason(string line, string reason) =>
        AssertRefused(line, 501, "5.1.3", $"Bad recipient address syntax: {reason}");

    [Theory]
    [InlineData("RCPT TO:<@relay.example:bob@example.org>")]
    [InlineData("RCPT TO:<@relay1.example,@relay2.example:bob@example.org>")]
    [InlineData("RCPT TO:<@[192.0.2.1],@relay.example:bob@example.org>")]
    public void A_source_route_is_accepted_and_ignored(string line) =>
        Assert.Equal(new SmtpPath("bob", "example.org"), Recipient(line));

    [Fact]
    public void Rcpt_with_quoted_local_part_is_unquoted_when_it_needs_no_quotes()
    {
        Assert.Equal("john.smith", Recipient("RCPT TO:<\"john.smith\"@example.org>").LocalPart);
        Assert.Equal("ab", Recipient("RCPT TO:<\"a\\b\"@example.org>").LocalPart);
    }

    [Theory]
    [InlineData("\"john smith\"", "\"john smith\"")]
    [InlineData("\"a\\\"b\"", "\"a\\\"b\"")]
    [InlineData("\"a\\\\b\"", "\"a\\\\b\"")]
    [InlineData("\"a@b\"", "\"a@b\"")]
    [InlineData("\"a>b\"", "\"a>b\"")]
    [InlineData("\"a..b\"", "\"a..b\"")]
    [InlineData("\".alice\"", "\".alice\"")]
    [InlineData("\"\"", "\"\"")]
    public void A_quoted_local_part_that_needs_quotes_keeps_them_with_escapes(string written, string expected)
    {
        var path = Recipient($"RCPT TO:<{written}@example.org>");
        Assert.Equal(expected, path.LocalPart);
        Assert.Equal("example.org", path.Domain);
    }

    [Theory]
    [InlineData("\"a\"b\"c\"@example.org", "invalid character in quoted local part")]
    [InlineData("\"a\\\u00e9\"@example.org", "invalid quoted pair in local part")]
    [InlineData("\"a\tb\"@example.org", "invalid character in quoted local part")]
    [InlineData("\"abc\"x@example.org", "unterminated quoted local part")]
    public void A_malformed_quoted_local_part_is_refused(string address, string reason) =>
        AssertRefused($"RCPT TO:<{address}>", 501, "5.1.3", $"Bad recipient address syntax: {reason}");

    [Fact]
    public void An_unterminated_quote_swallows_the_closing_bracket() =>
        AssertRefused("RCPT TO:<\"abc@example.org>", 501, "5.1.3", "Bad recipient address syntax: missing '>' after the address");

    [Theory]
    [InlineData("a b")]
    [InlineData("a..b")]
    [InlineData(".alice")]
    [InlineData("alice.")]
    [InlineData("a,b")]
    [InlineData("a(b)")]
    [InlineData("a[b]")]
    [InlineData("a\\b")]
    [InlineData("a@b")]
    [InlineData("a;b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007fb")]
    [InlineData("a\u00a0b")]
    public void Invalid_characters_in_an_unquoted_local_part_are_refused(string local) =>
        AssertRefused($"RCPT TO:<{local}@example.org>", 501, "5.1.3", "Bad recipient address syntax: invalid character in local part");

    [Theory]
    [InlineData("!#$%&'*+-/=?^_`{|}~")]
    [InlineData("first.last")]
    [InlineData("alice+tag")]
    public void Every_atext_character_is_allowed_in_a_local_part(string local) =>
        Assert.Equal(local, Recipient($"RCPT TO:<{local}@example.org>").LocalPart);

    [Theory]
    [InlineData("example..org")]
    [InlineData(".example.org")]
    [InlineData("example.org.")]
    [InlineData("-example.org")]
    [InlineData("example-.org")]
    [InlineData("exa_mple.org")]
    [InlineData("exa!mple.org")]
    [InlineData("例子\u3002广告")]
    public void Invalid_domains_are_refused(string domain) =>
        AssertRefused($"RCPT TO:<bob@{domain}>", 501, "5.1.3", "Bad recipient address syntax: invalid domain");

    [Fact]
    public void A_label_is_at_most_63_characters()
    {
        string label63 = new('a', 63);
        Assert.Equal($"{label63}.example", Recipient($"RCPT TO:<bob@{label63}.example>").Domain);
        AssertRefused($"RCPT TO:<bob@{label63}a.example>", 501, "5.1.3", "Bad recipient address syntax: invalid domain");
    }

    [Theory]
    [InlineData("[192.0.2.1]")]
    [InlineData("[0.0.0.0]")]
    [InlineData("[255.255.255.255]")]
    public void An_ipv4_address_literal_is_a_domain(string literal)
    {
        var path = Recipient($"RCPT TO:<bob@{literal}>");
        Assert.Equal(literal, path.Domain);
        Assert.True(path.IsAddressLiteral);
    }

    [Theory]
    [InlineData("[IPv6:2001:db8::1]", "[ipv6:2001:db8::1]")]
    [InlineData("[IPv6:::1]", "[ipv6:::1]")]
    [InlineData("[IPv6:2001:DB8:0:0:0:0:0:1]", "[ipv6:2001:db8:0:0:0:0:0:1]")]
    [InlineData("[ipv6:::ffff:192.0.2.1]", "[ipv6:::ffff:192.0.2.1]")]
    public void An_ipv6_address_literal_is_a_domain_in_lower_case(string literal, string expected)
    {
        var path = Recipient($"RCPT TO:<bob@{literal}>");
        Assert.Equal(expected, path.Domain);
        Assert.True(path.IsAddressLiteral);
    }

    [Fact]
    public void A_general_address_literal_is_a_domain()
    {
        var path = Recipient("RCPT TO:<bob@[x-tag:some-data]>");
        Assert.Equal("[x-tag:some-data]", path.Domain);
        Assert.True(path.IsAddressLiteral);

        // RFC 5321 §4.1.3: Standardized-tag is an Ldh-str, which may begin with a hyphen.
        Assert.Equal("[-x:1]", Recipient("RCPT TO:<bob@[-X:1]>").Domain);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[192.0.2.1")]
    [InlineData("[192.0.2.256]")]
    [InlineData("[192.0.2]")]
    [InlineData("[192.0.2.1.5]")]
    [InlineData("[192.0..1]")]
    [InlineData("[1920.0.2.1]")]
    [InlineData("[+1.0.2.1]")]
    [InlineData("[IPv6:192.0.2.1]")]
    [InlineData("[IPv6:2001:db8::g]")]
    [InlineData("[IPv6:]")]
    [InlineData("[x-tag:a b]")]
    [InlineData("[x-tag:a\\b]")]
    [InlineData("[x-tag:]")]
    [InlineData("[tag-:data]")]
    [InlineData("[t_g:data]")]
    [InlineData("[bad tag:data]")]
    [InlineData("[192.0.2.1]x")]
    public void Malformed_address_literals_are_refused(string literal) =>
        AssertRefused($"RCPT TO:<bob@{literal}>", 501, "5.1.3", "Bad recipient address syntax: invalid address literal");

    [Fact]
    public void Utf8_local_parts_and_domains_are_kept_and_marked_non_ascii()
    {
        var path = Recipient("RCPT TO:<用户@例子.广告>");
        Assert.Equal("用户", path.LocalPart);
        Assert.Equal("例子.广告", path.Domain);
        Assert.False(path.IsAscii);

        var mixed = Sender("MAIL FROM:<jürgen@Bücher.Example> SMTPUTF8");
        Assert.Equal("jürgen@bücher.example", mixed.Address);
        Assert.False(mixed.IsAscii);
        Assert.True(Recipient("RCPT TO:<bob@example.org>").IsAscii);
    }

    [Fact]
    public void A_local_part_is_at_most_64_octets()
    {
        string local64 = new('a', 64);
        Assert.Equal(local64, Recipient($"RCPT TO:<{local64}@example.org>").LocalPart);
        AssertRefused($"RCPT TO:<{local64}a@example.org>", 501, "5.1.3", "Bad recipient address syntax: local part longer than 64 octets (RFC 5321 §4.5.3.1.1)");
        AssertRefused($"MAIL FROM:<{local64}a@example.org>", 501, "5.1.7", "Bad sender address syntax: local part longer than 64 octets (RFC 5321 §4.5.3.1.1)");
    }

    [Fact]
    public void The_local_part_limit_counts_octets_not_characters()
    {
        string twoOctets = new('é', 32);
        Assert.Equal(twoOctets, Recipient($"RCPT TO:<{twoOctets}@example.org>").LocalPart);
        AssertRefused($"RCPT TO:<{twoOctets}a@example.org>", 501, "5.1.3", "Bad recipient address syntax: local part longer than 64 octets (RFC 5321 §4.5.3.1.1)");
    }

    [Fact]
    public void A_quoted_local_part_is_measured_as_written()
    {
        string inner = new('a', 62);
        Assert.Equal(inner, Recipient($"RCPT TO:<\"{inner}\"@example.org>").LocalPart);
        AssertRefused($"RCPT TO:<\"{inner}a\"@example.org>", 501, "5.1.3", "Bad recipient address syntax: local part longer than 64 octets (RFC 5321 §4.5.3.1.1)");
    }

    [Fact]
    public void A_path_is_at_most_256_octets_with_its_brackets()
    {
        // 64 + 1 + 189 = 254 octets inside the brackets, 256 with them.
        string domain = DomainOfLength(189);
        string address = $"{new string('a', 64)}@{domain}";
        Assert.Equal(254, address.Length);
        Assert.Equal(address, Recipient($"RCPT TO:<{address}>").Address);

        string longer = $"{new string('a', 64)}@{DomainOfLength(190)}";
        AssertRefused($"RCPT TO:<{longer}>", 501, "5.1.3", "Bad recipient address syntax: address longer than 256 octets (RFC 5321 §4.5.3.1.3)");
        AssertRefused($"MAIL FROM:<{longer}>", 501, "5.1.7", "Bad sender address syntax: address longer than 256 octets (RFC 5321 §4.5.3.1.3)");
    }

    [Fact]
    public void The_path_limit_counts_octets_and_includes_a_source_route()
    {
        string route = "@" + DomainOfLength(240) + ":";
        AssertRefused($"RCPT TO:<{route}bob@example.org>", 501, "5.1.3", "Bad recipient address syntax: address longer than 256 octets (RFC 5321 §4.5.3.1.3)");

        string utf8Domain = string.Join('.', Enumerable.Repeat(new string('ü', 31), 4));
        AssertRefused($"RCPT TO:<bob@{utf8Domain}>", 501, "5.1.3", "Bad recipient address syntax: address longer than 256 octets (RFC 5321 §4.5.3.1.3)");
    }

    [Fact]
    public void A_domain_is_at_most_255_octets()
    {
        Assert.True(SmtpPathParser.TryNormalizeDomain(DomainOfLength(255), out string normalized, out string? error));
        Assert.Equal(255, normalized.Length);
        Assert.Null(error);

        Assert.False(SmtpPathParser.TryNormalizeDomain(DomainOfLength(256), out _, out error));
        Assert.Equal("domain longer than 255 octets", error);
    }

    [Fact]
    public void Normalising_a_domain_lower_cases_it()
    {
        Assert.True(SmtpPathParser.TryNormalizeDomain("Mail.Example.ORG", out string normalized, out _));
        Assert.Equal("mail.example.org", normalized);
        Assert.False(SmtpPathParser.TryNormalizeDomain(string.Empty, out _, out string? error));
        Assert.Equal("empty domain", error);
    }

    [Fact]
    public void The_last_at_sign_outside_quotes_separates_local_part_and_domain()
    {
        var path = Recipient("RCPT TO:<\"a@b\"@example.org>");
        Assert.Equal("\"a@b\"", path.LocalPart);
        Assert.Equal("example.org", path.Domain);
        AssertRefused("RCPT TO:<a@b@example.org>", 501, "5.1.3", "Bad recipient address syntax: invalid character in local part");
    }

    // --- MAIL parameters ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("SIZE=0", 0L)]
    [InlineData("SIZE=1000", 1000L)]
    [InlineData("size=52428800", 52428800L)]
    [InlineData("SIZE=9223372036854775807", long.MaxValue)]
    public void Size_is_the_declared_size(string parameter, long expected) =>
        Assert.Equal(expected, MailParametersOf($"MAIL FROM:<a@example.org> {parameter}").DeclaredSize);

    [Theory]
    [InlineData("SIZE")]
    [InlineData("SIZE=abc")]
    [InlineData("SIZE=-1")]
    [InlineData("SIZE=+1")]
    [InlineData("SIZE=1.5")]
    [InlineData("SIZE=1e6")]
    [InlineData("SIZE=9223372036854775808")]
    [InlineData("SIZE=000000000000000000001")]
    public void A_bad_size_gets_501_5_5_4(string parameter) =>
        AssertRefused($"MAIL FROM:<a@example.org> {parameter}", 501, "5.5.4", "Bad SIZE parameter");

    [Theory]
    [InlineData("BODY=7BIT", BodyType.SevenBit)]
    [InlineData("BODY=7bit", BodyType.SevenBit)]
    [InlineData("BODY=8BITMIME", BodyType.EightBitMime)]
    [InlineData("body=8bitmime", BodyType.EightBitMime)]
    public void Body_declares_the_content_type(string parameter, BodyType expected) =>
        Assert.Equal(expected, MailParametersOf($"MAIL FROM:<a@example.org> {parameter}").Body);

    [Fact]
    public void Without_body_the_content_is_seven_bit() =>
        Assert.Equal(BodyType.SevenBit, MailParametersOf("MAIL FROM:<a@example.org>").Body);

    [Theory]
    [InlineData("BODY=BINARYMIME")]
    [InlineData("BODY=8BIT")]
    [InlineData("BODY")]
    public void An_unsupported_body_gets_555_5_5_4(string parameter) =>
        AssertRefused($"MAIL FROM:<a@example.org> {parameter}", 555, "5.5.4", "Unsupported BODY parameter value");

    [Fact]
    public void Smtputf8_is_a_flag_without_a_value()
    {
        Assert.True(MailParametersOf("MAIL FROM:<a@example.org> SMTPUTF8").SmtpUtf8);
        Assert.True(MailParametersOf("MAIL FROM:<a@example.org> smtputf8").SmtpUtf8);
        Assert.False(MailParametersOf("MAIL FROM:<a@example.org>").SmtpUtf8);
        AssertRefused("MAIL FROM:<a@example.org> SMTPUTF8=yes", 501, "5.5.4", "SMTPUTF8 takes no value");
    }

    [Theory]
    [InlineData("RET=FULL", DsnReturn.Full)]
    [InlineData("RET=full", DsnReturn.Full)]
    [InlineData("RET=HDRS", DsnReturn.Headers)]
    [InlineData("ret=Hdrs", DsnReturn.Headers)]
    public void Ret_says_what_a_failure_notice_returns(string parameter, DsnReturn expected) =>
        Assert.Equal(expected, MailParametersOf($"MAIL FROM:<a@example.org> {parameter}").Return);

    [Theory]
    [InlineData("RET")]
    [InlineData("RET=ALL")]
    [InlineData("RET=HEADERS")]
    public void A_bad_ret_gets_501_5_5_4(string parameter) =>
        AssertRefused($"MAIL FROM:<a@example.org> {parameter}", 501, "5.5.4", "Bad RET parameter: use FULL or HDRS");

    [Theory]
    [InlineData("ENVID=QQ314159", "QQ314159")]
    [InlineData("ENVID=id+2Bplus+3Dequals", "id+plus=equals")]
    [InlineData("ENVID=a+20b", "a b")]
    [InlineData("ENVID=+C3+A9t+C3+A9", "été")]
    public void Envid_is_decoded_from_xtext(string parameter, string expected) =>
        Assert.Equal(expected, MailParametersOf($"MAIL FROM:<a@example.org> {parameter}").EnvelopeId);

    [Theory]
    [InlineData("ENVID")]
    [InlineData("ENVID=a+2")]
    [InlineData("ENVID=a+2b")]
    [InlineData("ENVID=a+ZZ")]
    [InlineData("ENVID=été")]
    public void A_bad_envid_gets_501_5_5_4(string parameter) =>
        AssertRefused($"MAIL FROM:<a@example.org> {parameter}", 501, "5.5.4", "Bad ENVID parameter (xtext, at most 100 characters)");

    [Fact]
    public void Envid_is_at_most_100_characters()
    {
        Assert.Equal(new string('x', 100), MailParametersOf($"MAIL FROM:<a@example.org> ENVID={new string('x', 100)}").EnvelopeId);
        AssertRefused($"MAIL FROM:<a@example.org> ENVID={new string('x', 101)}", 501, "5.5.4", "Bad ENVID parameter (xtext, at most 100 characters)");
    }

    [Fact]
    public void Auth_on_mail_is_kept_as_sent()
    {
        Assert.Equal("<>", MailParametersOf("MAIL FROM:<a@example.org> AUTH=<>").Auth);
        Assert.Equal("alice+40example.org", MailParametersOf("MAIL FROM:<a@example.org> AUTH=alice+40example.org").Auth);
        AssertRefused("MAIL FROM:<a@example.org> AUTH", 501, "5.5.4", "Bad AUTH parameter");
    }

    [Fact]
    public void Every_mail_parameter_can_be_given_at_once()
    {
        var parameters = MailParametersOf("MAIL FROM:<a@example.org> SIZE=123 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=e1 AUTH=<>");
        Assert.Equal(
            new MailParameters { DeclaredSize = 123, Body = BodyType.EightBitMime, SmtpUtf8 = true, Return = DsnReturn.Headers, EnvelopeId = "e1", Auth = "<>" },
            parameters);
    }

    [Fact]
    public void Extra_spaces_between_parameters_are_tolerated()
    {
        var parameters = MailParametersOf("MAIL FROM:<a@example.org>   SIZE=5    BODY=8BITMIME  ");
        Assert.Equal(5, parameters.DeclaredSize);
        Assert.Equal(BodyType.EightBitMime, parameters.Body);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@example.org> FOO=bar", "FOO")]
    [InlineData("MAIL FROM:<a@example.org> x-custom", "X-CUSTOM")]
    [InlineData("MAIL FROM:<a@example.org> NOTIFY=NEVER", "NOTIFY")]
    [InlineData("MAIL FROM:<a@example.org> ORCPT=rfc822;a@example.org", "ORCPT")]
    [InlineData("RCPT TO:<a@example.org> SIZE=10", "SIZE")]
    [InlineData("RCPT TO:<a@example.org> BODY=8BITMIME", "BODY")]
    [InlineData("RCPT TO:<a@example.org> ENVID=x", "ENVID")]
    [InlineData("RCPT TO:<a@example.org> Frob", "FROB")]
    public void An_unknown_parameter_gets_555_5_5_4_naming_it(string line, string keyword) =>
        AssertRefused(line, 555, "5.5.4", $"Unsupported option: {keyword}");

    [Theory]
    [InlineData("MAIL FROM:<a@example.org> SIZE=1 SIZE=2", "SIZE")]
    [InlineData("MAIL FROM:<a@example.org> size=1 SIZE=1", "SIZE")]
    [InlineData("MAIL FROM:<a@example.org> SMTPUTF8 SMTPUTF8", "SMTPUTF8")]
    [InlineData("MAIL FROM:<a@example.org> FOO FOO", "FOO")]
    [InlineData("RCPT TO:<a@example.org> NOTIFY=NEVER NOTIFY=NEVER", "NOTIFY")]
    public void A_repeated_parameter_gets_501_5_5_4(string line, string keyword) =>
        AssertRefused(line, 501, "5.5.4", $"Parameter {keyword} given twice");

    [Theory]
    [InlineData("MAIL FROM:<a@example.org> SIZE=")]
    [InlineData("MAIL FROM:<a@example.org> =10")]
    [InlineData("MAIL FROM:<a@example.org> -X=1")]
    [InlineData("MAIL FROM:<a@example.org> S_ZE=1")]
    [InlineData("MAIL FROM:<a@example.org> ENVID=a=b")]
    [InlineData("MAIL FROM:<a@example.org> ENVID=a\u007fb")]
    [InlineData("RCPT TO:<a@example.org> NOTIFY=")]
    public void Malformed_parameter_syntax_gets_501_5_5_4(string line) =>
        AssertRefused(line, 501, "5.5.4", "Bad parameter syntax");

    [Theory]
    [InlineData("MAIL FROM:<a@example.org>SIZE=1")]
    [InlineData("RCPT TO:<a@example.org>NOTIFY=NEVER")]
    [InlineData("MAIL FROM:<>x")]
    public void Text_straight_after_the_path_gets_501_5_5_4(string line) =>
        AssertRefused(line, 501, "5.5.4", "Syntax error after the address");

    [Fact]
    public void At_most_16_parameters_are_read()
    {
        string sixteen = string.Join(' ', Enumerable.Range(1, 16).Select(i => $"X{i}"));
        AssertRefused($"MAIL FROM:<a@example.org> {sixteen}", 555, "5.5.4", "Unsupported option: X1");
        AssertRefused($"MAIL FROM:<a@example.org> {sixteen} X17", 501, "5.5.4", "Too many parameters");
    }

    // --- RCPT parameters ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never)]
    [InlineData("NOTIFY=never", DsnNotify.Never)]
    [InlineData("NOTIFY=SUCCESS", DsnNotify.Success)]
    [InlineData("NOTIFY=FAILURE", DsnNotify.Failure)]
    [InlineData("NOTIFY=DELAY", DsnNotify.Delay)]
    [InlineData("NOTIFY=SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure)]
    [InlineData("NOTIFY=delay,Failure", DsnNotify.Delay | DsnNotify.Failure)]
    [InlineData("NOTIFY=FAILURE,DELAY,SUCCESS", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    public void Notify_is_never_or_a_list_of_conditions(string parameter, DsnNotify expected) =>
        Assert.Equal(expected, RcptParametersOf($"RCPT TO:<a@example.org> {parameter}").Notify);

    [Fact]
    public void Without_notify_the_default_applies() =>
        Assert.Equal(DsnNotify.Unspecified, RcptParametersOf("RCPT TO:<a@example.org>").Notify);

    [Theory]
    [InlineData("NOTIFY")]
    [InlineData("NOTIFY=NEVER,SUCCESS")]
    [InlineData("NOTIFY=FAILURE,NEVER")]
    [InlineData("NOTIFY=NEVER,NEVER")]
    [InlineData("NOTIFY=SUCCESS,SUCCESS")]
    [InlineData("NOTIFY=SUCCESS,")]
    [InlineData("NOTIFY=,SUCCESS")]
    [InlineData("NOTIFY=ALWAYS")]
    [InlineData("NOTIFY=SUCCESS;FAILURE")]
    public void A_bad_notify_gets_501_5_5_4(string parameter) =>
        AssertRefused($"RCPT TO:<a@example.org> {parameter}", 501, "5.5.4", "Bad NOTIFY parameter: NEVER, or a list of SUCCESS, FAILURE, DELAY");

    [Theory]
    [InlineData("ORCPT=rfc822;alice@example.org", "rfc822;alice@example.org")]
    [InlineData("ORCPT=rfc822;alice+2Btag@example.org", "rfc822;alice+tag@example.org")]
    [InlineData("ORCPT=utf-8;j+C3+BCrgen@example.org", "utf-8;jürgen@example.org")]
    [InlineData("ORCPT=rfc822;", "rfc822;")]
    public void Orcpt_keeps_the_address_type_and_decodes_the_address(string parameter, string expected) =>
        Assert.Equal(expected, RcptParametersOf($"RCPT TO:<a@example.org> {parameter}").OriginalRecipient);

    [Theory]
    [InlineData("ORCPT")]
    [InlineData("ORCPT=alice@example.org")]
    [InlineData("ORCPT=;alice@example.org")]
    [InlineData("ORCPT=rfc822;alice+zz@example.org")]
    [InlineData("ORCPT=rfc822;alice+2")]
    public void A_bad_orcpt_gets_501_5_5_4(string parameter) =>
        AssertRefused($"RCPT TO:<a@example.org> {parameter}", 501, "5.5.4", "Bad ORCPT parameter: use addr-type;xtext");

    [Fact]
    public void Orcpt_is_at_most_500_characters()
    {
        string address = new('x', 500 - "rfc822;".Length);
        Assert.Equal($"rfc822;{address}", RcptParametersOf($"RCPT TO:<a@example.org> ORCPT=rfc822;{address}").OriginalRecipient);
        AssertRefused($"RCPT TO:<a@example.org> ORCPT=rfc822;{address}x", 501, "5.5.4", "Bad ORCPT parameter: use addr-type;xtext");
    }

    [Fact]
    public void Notify_and_orcpt_together()
    {
        var parameters = RcptParametersOf("RCPT TO:<a@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b@example.org");
        Assert.Equal(new RcptParameters { Notify = DsnNotify.Success | DsnNotify.Delay, OriginalRecipient = "rfc822;b@example.org" }, parameters);
    }

    // --- BDAT ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("BDAT 1000", 1000L, false)]
    [InlineData("BDAT 0 LAST", 0L, true)]
    [InlineData("bdat 86 last", 86L, true)]
    [InlineData("BDAT  12   LAST ", 12L, true)]
    [InlineData("BDAT 999999999999999999", 999_999_999_999_999_999L, false)]
    public void Bdat_gives_the_chunk_size_and_whether_it_is_the_last(string line, long size, bool last) =>
        Assert.Equal(new BdatCommand(size, last), Parse(line));

    [Theory]
    [InlineData("BDAT")]
    [InlineData("BDAT ")]
    [InlineData("BDAT LAST")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT +1")]
    [InlineData("BDAT 1.0")]
    [InlineData("BDAT 0x10")]
    [InlineData("BDAT 10 MORE")]
    [InlineData("BDAT 10 LAST now")]
    [InlineData("BDAT 10 LASTLY")]
    [InlineData("BDAT 1000000000000000000")]
    public void Bad_bdat_syntax_gets_501_5_5_4(string line)
    {
        var invalid = Assert.IsType<InvalidCommand>(Parse(line));
        Assert.Equal(SmtpVerb.Bdat, invalid.Verb);
        Assert.Equal("501 5.5.4 Syntax: BDAT chunk-size [LAST]", invalid.Reply.ToString());
    }

    private static string DomainOfLength(int length)
    {
        var builder = new StringBuilder();
        while (builder.Length < length)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            int room = length - builder.Length;
            int label = room <= 63 ? room : Math.Min(60, room - 2);
            builder.Append('d', label);
        }

        return builder.ToString();
    }
}
