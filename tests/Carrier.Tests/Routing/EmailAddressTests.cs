using Carrier.Routing.Addresses;

namespace Carrier.Tests.Routing;

/// <summary>Addresses as routing and the directory compare them.</summary>
public sealed class EmailAddressTests
{
    [Fact]
    public void Create_lower_cases_the_domain_and_keeps_the_local_part_as_written()
    {
        var address = EmailAddress.Create("Alice.Smith", "Example.ORG");
        Assert.Equal("Alice.Smith", address.LocalPart);
        Assert.Equal("example.org", address.Domain);
        Assert.Equal("Alice.Smith@example.org", address.ToString());
        Assert.Equal("alice.smith@example.org", address.Key);
    }

    [Fact]
    public void An_absolute_domain_loses_its_trailing_dot() =>
        Assert.Equal("example.org", EmailAddress.Create("a", "example.org.").Domain);

    [Theory]
    [InlineData("", "example.org")]
    [InlineData("alice", "")]
    [InlineData(null, "example.org")]
    [InlineData("alice", null)]
    public void Create_needs_both_halves(string? local, string? domain) =>
        Assert.Throws<ArgumentException>(() => EmailAddress.Create(local!, domain!));

    [Fact]
    public void Addresses_are_equal_without_regard_to_case()
    {
        var a = EmailAddress.Parse("Alice@Example.org");
        var b = EmailAddress.Parse("alice@EXAMPLE.ORG");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, EmailAddress.Parse("alice2@example.org"));
        Assert.False(a.Equals(null));
        Assert.Single(new HashSet<EmailAddress> { a, b });
    }

    [Theory]
    [InlineData("alice@example.org", "alice", "example.org")]
    [InlineData("<alice@example.org>", "alice", "example.org")]
    [InlineData("  alice@example.org  ", "alice", "example.org")]
    [InlineData("alice+tag@Example.Org", "alice+tag", "example.org")]
    [InlineData("\"a@b\"@example.org", "\"a@b\"", "example.org")]
    [InlineData("\"john smith\"@example.org", "\"john smith\"", "example.org")]
    [InlineData("jürgen@bücher.example", "jürgen", "bücher.example")]
    [InlineData("bob@[192.0.2.1]", "bob", "[192.0.2.1]")]
    [InlineData("bob@example.org.", "bob", "example.org")]
    public void TryParse_splits_at_the_last_at_sign(string text, string local, string domain)
    {
        Assert.True(EmailAddress.TryParse(text, out var address));
        Assert.Equal(local, address.LocalPart);
        Assert.Equal(domain, address.Domain);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("alice")]
    [InlineData("@example.org")]
    [InlineData("alice@")]
    [InlineData("<>")]
    [InlineData("a b@example.org")]
    [InlineData("alice@exa mple.org")]
    [InlineData("\"a b\"@exa mple.org")]
    [InlineData("ali\tce@example.org")]
    [InlineData("ali\u0000ce@example.org")]
    [InlineData("alice@.example.org")]
    [InlineData("alice@example..org")]
    [InlineData("alice@.")]
    public void TryParse_refuses_what_routing_cannot_use(string? text)
    {
        Assert.False(EmailAddress.TryParse(text, out var address));
        Assert.Null(address);
    }

    [Fact]
    public void An_address_is_at_most_320_characters()
    {
        string local = new('a', 64);
        string at320 = $"{local}@{new string('d', 320 - 65)}";
        Assert.True(EmailAddress.TryParse(at320, out _));
        Assert.False(EmailAddress.TryParse(at320 + "d", out _));
    }

    [Fact]
    public void Parse_throws_a_format_exception_that_quotes_the_text()
    {
        var exception = Assert.Throws<FormatException>(() => EmailAddress.Parse("not an address"));
        Assert.Equal("'not an address' is not an address of the form user@domain.", exception.Message);
        Assert.Equal("bob@example.org", EmailAddress.Parse("bob@example.org").ToString());
    }
}
