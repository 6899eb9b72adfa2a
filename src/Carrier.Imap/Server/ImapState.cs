namespace Carrier.Imap.Server;

/// <summary>The session states of RFC 9051 §3.</summary>
[Flags]
public enum ImapState
{
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Logout = 8,
}

/// <summary>What the next input is: a command, a SASL response line, or the DONE that ends IDLE.</summary>
internal enum InputMode
{
    Command,
    SaslResponse,
    Idle,
}

/// <summary>Which commands each state allows (RFC 9051 §6): the table the dispatcher consults before any handler runs.</summary>
internal static class ImapStateTable
{
    private const ImapState Any = ImapState.NotAuthenticated | ImapState.Authenticated | ImapState.Selected;
    private const ImapState LoggedIn = ImapState.Authenticated | ImapState.Selected;

    private static readonly Dictionary<string, ImapState> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CAPABILITY"] = Any,
        ["NOOP"] = Any,
        ["LOGOUT"] = Any,
        ["ID"] = Any,
        ["STARTTLS"] = ImapState.NotAuthenticated,
        ["LOGIN"] = ImapState.NotAuthenticated,
        ["AUTHENTICATE"] = ImapState.NotAuthenticated,
        ["ENABLE"] = LoggedIn,
        ["SELECT"] = LoggedIn,
        ["EXAMINE"] = LoggedIn,
        ["NAMESPACE"] = LoggedIn,
        ["CREATE"] = LoggedIn,
        ["DELETE"] = LoggedIn,
        ["RENAME"] = LoggedIn,
        ["SUBSCRIBE"] = LoggedIn,
        ["UNSUBSCRIBE"] = LoggedIn,
        ["LIST"] = LoggedIn,
        ["LSUB"] = LoggedIn,
        ["STATUS"] = LoggedIn,
        ["APPEND"] = LoggedIn,
        ["IDLE"] = LoggedIn,
        ["CHECK"] = ImapState.Selected,
        ["CLOSE"] = ImapState.Selected,
        ["UNSELECT"] = ImapState.Selected,
        ["EXPUNGE"] = ImapState.Selected,
        ["SEARCH"] = ImapState.Selected,
        ["SORT"] = ImapState.Selected,
        ["THREAD"] = ImapState.Selected,
        ["FETCH"] = ImapState.Selected,
        ["STORE"] = ImapState.Selected,
        ["COPY"] = ImapState.Selected,
        ["MOVE"] = ImapState.Selected,
        ["UID"] = ImapState.Selected,
    };

    public static bool IsKnown(string command) => Allowed.ContainsKey(command);

    public static bool IsAllowed(string command, ImapState state) => Allowed.TryGetValue(command, out var states) && states.HasFlag(state);
}
