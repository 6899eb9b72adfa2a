using System.Security.Cryptography;
using System.Text;
using Carrier.Sasl;

namespace Carrier.Tests.Sasl;

/// <summary>SCRAM-SHA-256 as a state machine: the RFC 7677 §3 example byte for byte, then the ways a client can go wrong.</summary>
public sealed class ScramSha256MechanismTests
{
    private const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static readonly byte[] Salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");

    private static ScramCredentials PencilCredentials(string password = "pencil") =>
        ScramCredentials.FromSaltedPassword(Salt, 4096, Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Salt, 4096, HashAlgorithmName.SHA256, 32));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(SaslStep step) => Encoding.UTF8.GetString(Assert.IsType<SaslChallenge>(step).Data);

    /// <summary>Runs the exchange up to the proof check with the given client messages.</summary>
    private static (ScramSha256Mechanism Mechanism, SaslStep Step) UpToProof(string clientFirst, Func<string, string> clientFinal, ScramCredentials? credentials = null)
    {
        var mechanism = new ScramSha256Mechanism(() => ServerNonce);
        var needed = Assert.IsType<ScramCredentialsNeeded>(mechanism.Start(Bytes(clientFirst)));
        string serverFirst = Text(mechanism.ServerFirst(credentials ?? PencilCredentials()));
        return (mechanism, needed.Mechanism.Continue(Bytes(clientFinal(serverFirst))));
    }

    [Fact]
    public void Rfc_7677_example_exchange_is_reproduced_exactly()
    {
        var mechanism = new ScramSha256Mechanism(() => ServerNonce);
        Assert.Empty(Assert.IsType<SaslChallenge>(mechanism.Start(null)).Data);

        var needed = Assert.IsType<ScramCredentialsNeeded>(mechanism.Continue(Bytes("n,,n=user,r=" + ClientNonce)));
        Assert.Equal("user", needed.UserName);
        Assert.Equal(string.Empty, needed.AuthorizationId);
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Text(mechanism.ServerFirst(PencilCredentials())));

        var proof = Assert.IsType<ScramProofReceived>(mechanism.Continue(Bytes(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")));
        Assert.Equal("user", proof.UserName);
        Assert.True(mechanism.ProofHolds());
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Text(mechanism.ServerFinal()));
        Assert.Equal(new SaslVerified(string.Empty, "user"), mechanism.Continue([]));
    }

    [Fact]
    public void A_client_written_from_the_rfc_verifies_the_server_and_is_verified()
    {
        var client = new ScramClient("user", "pencil", ClientNonce);
        var (mechanism, step) = UpToProof(client.ClientFirst, client.ClientFinal);
        Assert.IsType<ScramProofReceived>(step);
        Assert.True(mechanism.ProofHolds());
        Assert.True(client.ServerFinalHolds(Text(mechanism.ServerFinal())));
    }

    [Fact]
    public void A_wrong_password_gives_a_proof_that_does_not_hold_and_no_server_signature()
    {
        var client = new ScramClient("user", "pencils", ClientNonce);
        var (mechanism, step) = UpToProof(client.ClientFirst, client.ClientFinal);
        Assert.IsType<ScramProofReceived>(step);
        Assert.False(mechanism.ProofHolds());
        Assert.IsType<SaslFailure>(mechanism.ServerFinal());
    }

    [Fact]
    public void Channel_binding_is_refused_with_the_rfc_error_and_y_flag_is_accepted()
    {
        var refused = Assert.IsType<SaslFailure>(new ScramSha256Mechanism().Start(Bytes("p=tls-exporter,,n=user,r=abc")));
        Assert.Equal("channel-binding-not-supported", refused.ServerError);

        var client = new ScramClient("user", "pencil", ClientNonce, gs2Header: "y,,");
        var (mechanism, step) = UpToProof(client.ClientFirst, client.ClientFinal);
        Assert.IsType<ScramProofReceived>(step);
        Assert.True(mechanism.ProofHolds());
    }

    [Fact]
    public void Channel_binding_data_must_repeat_the_gs2_header()
    {
        var client = new ScramClient("user", "pencil", ClientNonce, gs2Header: "y,,");
        var (_, step) = UpToProof(client.ClientFirst, serverFirst => client.ClientFinal(serverFirst).Replace("c=eSws", "c=biws", StringComparison.Ordinal));
        Assert.Equal("channel-bindings-dont-match", Assert.IsType<SaslFailure>(step).ServerError);
    }

    [Fact]
    public void Sasl_names_are_unescaped_and_bad_escapes_refused()
    {
        var needed = Assert.IsType<ScramCredentialsNeeded>(new ScramSha256Mechanism().Start(Bytes("n,a=a=3Db=2Cc,n=a=3Db=2Cc,r=xyz")));
        Assert.Equal("a=b,c", needed.UserName);
        Assert.Equal("a=b,c", needed.AuthorizationId);

        var client = new ScramClient("odd,name=x", "pencil", ClientNonce);
        Assert.Equal("n,,n=odd=2Cname=3Dx,r=" + ClientNonce, client.ClientFirst);
        Assert.Equal("odd,name=x", Assert.IsType<ScramCredentialsNeeded>(new ScramSha256Mechanism().Start(client.ClientFirstBytes)).UserName);

        Assert.Equal("invalid-username-encoding", Assert.IsType<SaslFailure>(new ScramSha256Mechanism().Start(Bytes("n,,n=bad=2Dname,r=xyz"))).ServerError);
        Assert.Equal("invalid-username-encoding", Assert.IsType<SaslFailure>(new ScramSha256Mechanism().Start(Bytes("n,,n=,r=xyz"))).ServerError);
        Assert.Equal("invalid-encoding", Assert.IsType<SaslFailure>(new ScramSha256Mechanism().Start(Bytes("n,b=user,n=user,r=xyz"))).ServerError);
    }

    [Theory]
    [InlineData("")]
    [InlineData("n")]
    [InlineData("n,")]
    [InlineData("x,,n=user,r=abc")]
    [InlineData("n,,r=abc,n=user")]
    [InlineData("n,,n=user")]
    [InlineData("n,,n=user,r=")]
    [InlineData("n,,n=user,r=a b")]
    [InlineData("n,,m=ext,n=user,r=abc")]
    public void Malformed_first_messages_fail_without_asking_for_credentials(string message)
    {
        var mechanism = new ScramSha256Mechanism();
        var step = message.Length == 0 ? mechanism.Continue([]) : mechanism.Start(Bytes(message));
        Assert.IsType<SaslFailure>(step);
        Assert.IsType<SaslFailure>(mechanism.ServerFirst(PencilCredentials()));
    }

    [Theory]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=not-base64!")]
    [InlineData("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")]
    public void Malformed_final_messages_fail(string clientFinal)
    {
        var (mechanism, step) = UpToProof("n,,n=user,r=" + ClientNonce, _ => clientFinal);
        Assert.IsType<SaslFailure>(step);
        Assert.False(mechanism.ProofHolds());
    }

    [Fact]
    public void Oversized_messages_and_messages_out_of_order_fail()
    {
        Assert.IsType<SaslFailure>(new ScramSha256Mechanism().Start(Bytes("n,,n=user,r=" + new string('a', 5000))));

        var mechanism = new ScramSha256Mechanism();
        Assert.IsType<ScramCredentialsNeeded>(mechanism.Start(Bytes("n,,n=user,r=abc")));
        Assert.IsType<SaslFailure>(mechanism.Continue(Bytes("c=biws,r=abc,p=AAAA")));
        Assert.False(mechanism.ProofHolds());
    }

    [Fact]
    public void Server_nonces_come_from_a_random_source_and_extend_the_clients()
    {
        string ServerFirst()
        {
            var mechanism = new ScramSha256Mechanism();
            mechanism.Start(Bytes("n,,n=user,r=abc"));
            return Text(mechanism.ServerFirst(PencilCredentials()));
        }

        string first = ServerFirst();
        Assert.StartsWith("r=abc", first, StringComparison.Ordinal);
        Assert.True(first.Split(',')[0].Length >= 5 + 24, first);
        Assert.NotEqual(first, ServerFirst());
    }

    [Fact]
    public void Scram_is_offered_and_created_by_name()
    {
        Assert.Contains("SCRAM-SHA-256", SaslMechanisms.Names);
        Assert.IsType<ScramSha256Mechanism>(SaslMechanisms.Create("scram-sha-256"));
    }
}
