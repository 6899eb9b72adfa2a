using System.Text;

namespace Carrier.Sasl;

/// <summary>
/// The LOGIN mechanism (draft-murchison-sasl-login): challenges "Username:" then "Password:". Obsolete but
/// still what many mail clients use.
/// </summary>
public sealed class LoginMechanism : ISaslMechanism
{
    private const int MaxMessage = 1024;
    private string? _user;

    public string Name => "LOGIN";

    public SaslStep Start(byte[]? initialResponse) =>
        initialResponse is null || initialResponse.Length == 0 ? new SaslChallenge(Encoding.ASCII.GetBytes("Username:")) : Continue(initialResponse);

    public SaslStep Continue(byte[] response)
    {
        if (response.Length > MaxMessage)
        {
            return new SaslFailure("LOGIN message too long");
        }

        string? text = SaslMechanisms.Utf8(response);
        if (text is null)
        {
            return new SaslFailure("LOGIN message is not UTF-8");
        }

        if (_user is null)
        {
            if (text.Length == 0)
            {
                return new SaslFailure("LOGIN without a user name");
            }

            _user = text;
            return new SaslChallenge(Encoding.ASCII.GetBytes("Password:"));
        }

        return new SaslCredentials(string.Empty, _user, text);
    }
}
