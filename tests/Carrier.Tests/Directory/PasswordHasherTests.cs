using Carrier.Directory;

namespace Carrier.Tests.Directory;

/// <summary>PBKDF2 password hashes: round trips, and nothing malformed ever verifies.</summary>
public sealed class PasswordHasherTests
{
    private static readonly PasswordHasher Hasher = new(1000);

    [Fact]
    public void A_hash_verifies_its_password_and_no_other()
    {
        string hash = Hasher.Hash("correct horse battery staple");
        Assert.True(PasswordHasher.Verify("correct horse battery staple", hash));
        Assert.False(PasswordHasher.Verify("correct horse battery stapler", hash));
        Assert.False(PasswordHasher.Verify("Correct horse battery staple", hash));
        Assert.False(PasswordHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void Non_ascii_passwords_round_trip()
    {
        string hash = Hasher.Hash("pässwörd-日本");
        Assert.True(PasswordHasher.Verify("pässwörd-日本", hash));
        Assert.False(PasswordHasher.Verify("passwort-日本", hash));
    }

    [Fact]
    public void The_hash_names_the_function_and_the_iterations()
    {
        string hash = Hasher.Hash("secret-password");
        Assert.Matches(@"^\$pbkdf2-sha256\$i=1000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$", hash);
        Assert.Equal(1000, Hasher.Iterations);
    }

    [Fact]
    public void The_same_password_hashes_differently_each_time()
    {
        string first = Hasher.Hash("secret-password");
        string second = Hasher.Hash("secret-password");
        Assert.NotEqual(first, second);
        Assert.True(PasswordHasher.Verify("secret-password", first));
        Assert.True(PasswordHasher.Verify("secret-password", second));
    }

    [Fact]
    public void Hashes_made_with_another_iteration_count_still_verify()
    {
        string stronger = new PasswordHasher(5000).Hash("secret-password");
        Assert.Contains("$i=5000$", stronger, StringComparison.Ordinal);
        Assert.True(PasswordHasher.Verify("secret-password", stronger));
    }

    [Fact]
    public void The_default_is_600000_iterations_and_fewer_than_1000_are_refused()
    {
        Assert.Equal(600_000, new PasswordHasher().Iterations);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(999));
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret-password")]
    [InlineData("$pbkdf2-sha256$")]
    [InlineData("$pbkdf2-sha256$i=1000")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA==$")]
    [InlineData("$pbkdf2-sha256$i=1000$$")]
    [InlineData("$pbkdf2-sha256$i=1000$$AAAA")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdA==$not base64!")]
    [InlineData("$pbkdf2-sha256$i=1000$not base64!$AAAA")]
    [InlineData("$pbkdf2-sha256$i=999$c2FsdA==$AAAA")]
    [InlineData("$pbkdf2-sha256$i=10000001$c2FsdA==$AAAA")]
    [InlineData("$pbkdf2-sha256$i=-1000$c2FsdA==$AAAA")]
    [InlineData("$pbkdf2-sha256$i=abc$c2FsdA==$AAAA")]
    [InlineData("$pbkdf2-sha256$n=1000$c2FsdA==$AAAA")]
    [InlineData("$pbkdf2-sha256$i=1000$c2FsdA==$AAAA$extra")]
    [InlineData("$pbkdf2-sha1$i=1000$c2FsdA==$AAAA")]
    [InlineData("{SSHA}c2VjcmV0")]
    public void A_malformed_hash_never_verifies(string stored)
    {
        Assert.False(PasswordHasher.Verify("secret-password", stored));
        Assert.False(PasswordHasher.Verify(string.Empty, stored));
    }

    [Fact]
    public void A_well_formed_hash_with_the_wrong_value_does_not_verify()
    {
        string hash = Hasher.Hash("secret-password");
        string[] parts = hash.Split('$');
        string tampered = string.Join('$', parts[..^1]) + "$" + Convert.ToBase64String(new byte[32]);
        Assert.False(PasswordHasher.Verify("secret-password", tampered));
    }
}
