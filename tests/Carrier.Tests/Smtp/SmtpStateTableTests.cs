using Carrier.Smtp.Protocol;
using Carrier.Smtp.Server;

namespace Carrier.Tests.Smtp;

/// <summary>
/// Every phase against every verb. The expected table is written out here from RFC 5321 §4.1.4 (command
/// order: EHLO/HELO first, MAIL opens a transaction, RCPT and DATA need one, RSET/NOOP/QUIT/VRFY/EXPN/HELP
/// anywhere) and RFC 3030 §2 (after BDAT without LAST only BDAT, RSET, NOOP and QUIT), with RFC 3207 §4 and
/// RFC 4954 §4 (no STARTTLS or AUTH inside a transaction).
/// </summary>
public sealed class SmtpStateTableTests
{
    // ok      allowed (no refusal)
    // helo    503 5.5.1 Error: send HELO/EHLO first
    // mail    503 5.5.1 Error: need MAIL command
    // nested  503 5.5.1 Error: nested MAIL command
    // bdat    503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction
    // tls     503 5.5.1 Error: STARTTLS is not allowed during a mail transaction
    // auth    503 5.5.1 Error: MAIL transaction in progress
    private const string Table = """
                     Ehlo  Helo  Mail    Rcpt  Data  Bdat  Rset  Noop  Quit  Vrfy  Expn  Help  StartTls  Auth
        Connected    ok    ok    helo    helo  helo  helo  ok    ok    ok    ok    ok    ok    helo      helo
        Greeted      ok    ok    ok      mail  mail  mail  ok    ok    ok    ok    ok    ok    ok        ok
        MailGiven    ok    ok    nested  ok    ok    ok    ok    ok    ok    ok    ok    ok    tls       auth
        Chunking     bdat  bdat  bdat    bdat  bdat  ok    ok    ok    ok    bdat  bdat  bdat  bdat      bdat
        """;

    private static readonly Dictionary<string, string?> Replies = new()
    {
        ["ok"] = null,
        ["helo"] = "503 5.5.1 Error: send HELO/EHLO first",
        ["mail"] = "503 5.5.1 Error: need MAIL command",
        ["nested"] = "503 5.5.1 Error: nested MAIL command",
        ["bdat"] = "503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction",
        ["tls"] = "503 5.5.1 Error: STARTTLS is not allowed during a mail transaction",
        ["auth"] = "503 5.5.1 Error: MAIL transaction in progress",
    };

    private static List<(SmtpPhase Phase, SmtpVerb Verb, string Cell)> Cells()
    {
        string[][] rows = [.. Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
        var verbs = rows[0].Select(Enum.Parse<SmtpVerb>).ToList();
        var cells = new List<(SmtpPhase, SmtpVerb, string)>();
        foreach (string[] row in rows.Skip(1))
        {
            var phase = Enum.Parse<SmtpPhase>(row[0]);
            Assert.Equal(verbs.Count, row.Length - 1);
            for (int i = 0; i < verbs.Count; i++)
            {
                cells.Add((phase, verbs[i], row[i + 1]));
            }
        }

        return cells;
    }

    public static TheoryData<SmtpPhase, SmtpVerb, string> Combinations()
    {
        var data = new TheoryData<SmtpPhase, SmtpVerb, string>();
        foreach (var (phase, verb, cell) in Cells())
        {
            data.Add(phase, verb, cell);
        }

        return data;
    }

    [Fact]
    public void The_expected_table_covers_every_phase_and_every_verb_once()
    {
        var cells = Cells();
        var expected = Enum.GetValues<SmtpPhase>().SelectMany(p => Enum.GetValues<SmtpVerb>().Select(v => (p, v))).ToHashSet();
        Assert.Equal(expected.Count, cells.Count);
        Assert.True(expected.SetEquals(cells.Select(c => (c.Phase, c.Verb))));
        Assert.All(cells, c => Assert.True(Replies.ContainsKey(c.Cell), $"unknown cell '{c.Cell}'"));
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Each_phase_allows_or_refuses_each_verb_as_the_rfcs_say(SmtpPhase phase, SmtpVerb verb, string cell)
    {
        var refusal = SmtpStateTable.Refusal(phase, verb);
        Assert.Equal(Replies[cell], refusal?.ToString());
    }

    [Theory]
    [InlineData(SmtpVerb.Rset)]
    [InlineData(SmtpVerb.Noop)]
    [InlineData(SmtpVerb.Quit)]
    public void Rset_noop_and_quit_are_allowed_in_every_phase(SmtpVerb verb) =>
        Assert.All(Enum.GetValues<SmtpPhase>(), phase => Assert.Null(SmtpStateTable.Refusal(phase, verb)));

    [Fact]
    public void Every_refusal_is_a_permanent_503_with_an_enhanced_code()
    {
        foreach (var phase in Enum.GetValues<SmtpPhase>())
        {
            foreach (var verb in Enum.GetValues<SmtpVerb>())
            {
                if (SmtpStateTable.Refusal(phase, verb) is { } refusal)
                {
                    Assert.Equal(503, refusal.Code);
                    Assert.Equal("5.5.1", refusal.Status);
                }
            }
        }
    }
}
