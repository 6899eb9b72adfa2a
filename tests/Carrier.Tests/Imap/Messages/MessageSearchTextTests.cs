using Carrier.Imap.Messages;
using static Carrier.Tests.Imap.Messages.SampleMessages;

namespace Carrier.Tests.Imap.Messages;

public sealed class MessageSearchTextTests
{
    [Fact]
    public async Task Header_values_match_decoded_and_without_regard_to_case()
    {
        var text = await MessageSearchText.LoadAsync(Stream(Plain), CancellationToken.None);

        Assert.True(text.HeaderContains("subject", "café"));
        Assert.True(text.HeaderContains("From", "ALICE@example"));
        Assert.True(text.HeaderContains("To", "carol c."));
        Assert.False(text.HeaderContains("Cc", "carol"));
        Assert.True(text.HeaderContains("Message-ID", string.Empty));
        Assert.False(text.HeaderContains("X-Missing", string.Empty));
    }

    [Fact]
    public async Task Body_text_is_decoded_before_it_is_matched()
    {
        const string message = "Subject: q\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSch=C3=B6ne Gr=C3=BC=C3=9Fe\r\n";
        var text = await MessageSearchText.LoadAsync(Stream(message), CancellationToken.None);

        Assert.True(text.BodyContains("SCHÖNE grüße"));
        Assert.False(text.BodyContains("=C3"));
        Assert.True(text.TextContains("subject"));
        Assert.False(text.BodyContains("subject"));
    }

    [Fact]
    public async Task Every_text_part_and_embedded_message_is_searched_but_not_attachments()
    {
        var text = await MessageSearchText.LoadAsync(Stream(Mixed), CancellationToken.None);

        Assert.True(text.BodyContains("two lines"));
        Assert.True(text.BodyContains("inner body"));
        Assert.True(text.BodyContains("inner@example.org"));
        Assert.False(text.BodyContains("Hello attachment"));
    }

    [Fact]
    public async Task The_sent_date_comes_from_the_date_header()
    {
        var dated = await MessageSearchText.LoadAsync(Stream(Plain), CancellationToken.None);
        var undated = await MessageSearchText.LoadAsync(Stream("Subject: x\r\n\r\nbody\r\n"), CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero), dated.SentDate);
        Assert.Null(undated.SentDate);
    }
}
