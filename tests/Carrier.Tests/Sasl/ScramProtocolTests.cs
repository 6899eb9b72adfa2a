using System.Text;
using Carrier.Directory;
using Carrier.Testing;

namespace Carrier.Tests.Sasl;

/// <summary>
/// SCRAM-SHA-256 over the wire of SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051 §6.2.2) and POP3 AUTH
/// (RFC 5034), against the keys PBKDF2 stored in the directory.
/// </summary>
public sealed class ScramProtocolTests : IAsyncLifetime
{
    private const string Alice = "alice@local.test";
    private const string Password = "scram password 7";
    private TestCarrier _carrier = null!;

    public async Task InitializeAsync()
    {
        _carrier = await TestCarrier.StartAsync();
        await _carrier.AddUserAsync(Alice, Password);
    }

    public async Task DisposeAsync() => await _carrier.DisposeAsync();

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    /// <summary>The server-first message the submission port sends for this user (then aborts the exchange).</summary>
    private async Task<string> ServerFirstAsync(string user)
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");
        string reply = await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(new ScramClient(user, "x").ClientFirst));
        Assert.StartsWith("334 ", reply, StringComparison.Ordinal);
        Assert.StartsWith("501", await wire.CommandAsync("*"), StringComparison.Ordinal);
        return Decode(reply[4..]);
    }

    [Fact]
    public async Task Smtp_auth_scram_logs_in_and_the_server_proves_it_knows_the_key()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        Assert.Contains("AUTH SCRAM-SHA-256 PLAIN LOGIN", await wire.CommandAsync("EHLO client.example.org"), StringComparison.Ordinal);

        var client = new ScramClient(Alice, Password);
        Assert.Equal("334 ", await wire.CommandAsync("AUTH SCRAM-SHA-256"));
        string serverFirst = await wire.CommandAsync(Base64(client.ClientFirst));
        Assert.StartsWith("334 ", serverFirst, StringComparison.Ordinal);
        string serverFinal = await wire.CommandAsync(Base64(client.ClientFinal(Decode(serverFirst[4..]))));
        Assert.StartsWith("334 ", serverFinal, StringComparison.Ordinal);
        Assert.True(client.ServerFinalHolds(Decode(serverFinal[4..])), serverFinal);
        Assert.StartsWith("235 2.7.0", await wire.CommandAsync(string.Empty), StringComparison.Ordinal);
        Assert.StartsWith("250", await wire.CommandAsync("MAIL FROM:<alice@local.test>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_auth_scram_with_a_wrong_password_fails_through_the_guard_and_logs_no_secret()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");
        var client = new ScramClient(Alice, "not the password");
        string serverFirst = await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(client.ClientFirst));
        string clientFinal = client.ClientFinal(Decode(serverFirst[4..]));

        Assert.StartsWith("535 5.7.8", await wire.CommandAsync(Base64(clientFinal)), StringComparison.Ordinal);
        Assert.StartsWith("530", await wire.CommandAsync("MAIL FROM:<alice@local.test>"), StringComparison.Ordinal);

        var lines = _carrier.Logs.Lines;
        Assert.Contains(lines, line => line.Contains("authentication failed for user alice@local.test", StringComparison.Ordinal));
        string proof = clientFinal[(clientFinal.LastIndexOf("p=", StringComparison.Ordinal) + 2)..];
        Assert.DoesNotContain(lines, line => line.Contains(proof, StringComparison.Ordinal) || line.Contains("not the password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Smtp_refuses_channel_binding_and_another_authorization_identity()
    {
        await using var wire = await SmtpWire.ConnectAsync(_carrier.SubmissionsPort, implicitTls: true);
        await wire.CommandAsync("EHLO client.example.org");
        Assert.Equal(
            "535 5.7.8 Error: authentication failed: channel-binding-not-supported",
            await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64("p=tls-exporter,,n=alice@local.test,r=abcdef")));
        Assert.StartsWith("535 5.7.8", await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64("n,a=bob@local.test,n=alice@local.test,r=abcdef")), StringComparison.Ordinal);
        Assert.Contains(_carrier.Logs.Lines, line => line.Contains("e=channel-binding-not-supported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_users_get_a_stable_salt_and_the_same_iteration_count_as_real_ones()
    {
        string known = await ServerFirstAsync(Alice);
        string unknown = await ServerFirstAsync("nobody@local.test");
        string again = await ServerFirstAsync("nobody@local.test");

        string Salt(string serverFirst) => serverFirst.Split(',')[1];
        string Iterations(string serverFirst) => serverFirst.Split(',')[2];
        Assert.Equal(Salt(unknown), Salt(again));
        Assert.Equal(Iterations(known), Iterations(unknown));
        Assert.Equal(Salt(known).Length, Salt(unknown).Length);
        Assert.NotEqual(Salt(known), Salt(unknown));
        Assert.NotEqual(unknown.Split(',')[0], again.Split(',')[0]);
    }

    [Fact]
    public async Task Stored_password_hash_is_the_scram_salted_password()
    {
        var key = await _carrier.Server.Directory.GetPasswordKeyAsync(Alice, CancellationToken.None);
        Assert.NotNull(key.Account);
        var client = new ScramClient(Alice, Password);
        string serverFirst = $"r=abc,s={Convert.ToBase64String(key.Salt)},i={key.Iterations}";
        Assert.Equal(
            System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Password), key.Salt, key.Iterations, System.Security.Cryptography.HashAlgorithmName.SHA256, 32),
            key.SaltedPassword);
        Assert.Contains("p=", client.ClientFinal(serverFirst), StringComparison.Ordinal);

        var decoy = await _carrier.Server.Directory.GetPasswordKeyAsync("nobody@local.test", CancellationToken.None);
        Assert.Null(decoy.Account);
        Assert.Equal(PasswordKey.KeyBytes, decoy.SaltedPassword.Length);
    }

    [Fact]
    public async Task Imap_authenticate_scram_with_an_initial_response()
    {
        await using var wire = await ImapWire.ConnectAsync(_carrier.ImapPort);
        Assert.Contains("AUTH=SCRAM-SHA-256", await wire.CommandAsync("a1", "CAPABILITY"), StringComparison.Ordinal);

        var client = new ScramClient(Alice, Password);
        await wire.SendAsync($"a2 AUTHENTICATE SCRAM-SHA-256 {Base64(client.ClientFirst)}\r\n");
        string serverFirst = (await wire.ReadLineAsync())!;
        Assert.StartsWith("+ ", serverFirst, StringComparison.Ordinal);
        await wire.SendAsync(Base64(client.ClientFinal(Decode(serverFirst[2..]))) + "\r\n");
        string serverFinal = (await wire.ReadLineAsync())!;
        Assert.True(client.ServerFinalHolds(Decode(serverFinal[2..])), serverFinal);
        await wire.SendAsync("\r\n");
        Assert.StartsWith("a2 OK", await wire.ReadTaggedAsync("a2"), StringComparison.Ordinal);
        Assert.Contains("a3 OK", await wire.CommandAsync("a3", "SELECT INBOX"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imap_authenticate_scram_with_a_wrong_password_is_refused()
    {
        await using var wire = await ImapWire.ConnectAsync(_carrier.ImapPort);
        var client = new ScramClient(Alice, "wrong");
        await wire.SendAsync("a1 AUTHENTICATE SCRAM-SHA-256\r\n");
        Assert.Equal("+ ", await wire.ReadLineAsync());
        await wire.SendAsync(Base64(client.ClientFirst) + "\r\n");
        string serverFirst = (await wire.ReadLineAsync())!;
        await wire.SendAsync(Base64(client.ClientFinal(Decode(serverFirst[2..]))) + "\r\n");
        Assert.StartsWith("a1 NO [AUTHENTICATIONFAILED]", await wire.ReadTaggedAsync("a1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_auth_scram_opens_the_maildrop()
    {
        await using var wire = await Pop3Wire.ConnectAsync(_carrier.Pop3Port);
        var (_, capabilities) = await wire.MultilineAsync("CAPA");
        Assert.Contains("SASL SCRAM-SHA-256 PLAIN LOGIN", capabilities);

        var client = new ScramClient(Alice, Password);
        string serverFirst = await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(client.ClientFirst));
        Assert.StartsWith("+ ", serverFirst, StringComparison.Ordinal);
        string serverFinal = await wire.CommandAsync(Base64(client.ClientFinal(Decode(serverFirst[2..]))));
        Assert.True(client.ServerFinalHolds(Decode(serverFinal[2..])), serverFinal);
        Assert.StartsWith("+OK", await wire.CommandAsync(string.Empty), StringComparison.Ordinal);
        Assert.StartsWith("+OK 0 0", await wire.CommandAsync("STAT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_auth_scram_that_the_client_breaks_off_leaves_the_session_unauthenticated()
    {
        await using var wire = await Pop3Wire.ConnectAsync(_carrier.Pop3Port);
        var client = new ScramClient(Alice, Password);
        Assert.StartsWith("+ ", await wire.CommandAsync("AUTH SCRAM-SHA-256 " + Base64(client.ClientFirst)), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await wire.CommandAsync("*"), StringComparison.Ordinal);
        Assert.StartsWith("-ERR", await wire.CommandAsync("STAT"), StringComparison.Ordinal);
    }
}
