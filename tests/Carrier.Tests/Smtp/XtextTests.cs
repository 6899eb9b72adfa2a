using Carrier.Smtp.Protocol;

namespace Carrier.Tests.Smtp;

/// <summary>RFC 3461 §4 xtext, as ENVID and ORCPT carry it.</summary>
public sealed class XtextTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("abc", "abc")]
    [InlineData("a+b", "a+2Bb")]
    [InlineData("a=b", "a+3Db")]
    [InlineData("a b", "a+20b")]
    [InlineData("tab\there", "tab+09here")]
    [InlineData("~!\"#", "~!\"#")]
    [InlineData("é", "+C3+A9")]
    [InlineData("日", "+E6+97+A5")]
    [InlineData("\u007f", "+7F")]
    public void Encode_escapes_plus_equals_and_everything_outside_printable_ascii(string value, string expected) =>
        Assert.Equal(expected, Xtext.Encode(value));

    [Theory]
    [InlineData("")]
    [InlineData("QQ314159")]
    [InlineData("alice+tag@example.org")]
    [InlineData("a=b c")]
    [InlineData("Grüße aus Köln")]
    [InlineData("用户@例子.广告")]
    [InlineData("line\r\nbreak\0nul")]
    [InlineData("+++===")]
    public void Decode_of_encode_gives_the_original(string value)
    {
        string encoded = Xtext.Encode(value);
        Assert.All(encoded, c => Assert.InRange(c, '!', '~'));
        Assert.True(Xtext.TryDecode(encoded, out string? decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("+41+42+43", "ABC")]
    [InlineData("+C3+BC", "ü")]
    public void Decode_turns_hex_escapes_into_octets(string text, string expected)
    {
        Assert.True(Xtext.TryDecode(text, out string? decoded));
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("a+")]
    [InlineData("a+4")]
    [InlineData("a+2b")]
    [InlineData("a+g0")]
    [InlineData("a+ 20")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("a\tb")]
    [InlineData("a\u007fb")]
    [InlineData("é")]
    [InlineData("\0")]
    public void Decode_refuses_what_is_not_xtext(string text)
    {
        Assert.False(Xtext.TryDecode(text, out string? decoded));
        Assert.Null(decoded);
    }
}
