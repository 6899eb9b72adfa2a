using Carrier.Routing.Addresses;
using Carrier.Store.Accounts;

namespace Carrier.Directory;

/// <summary>
/// Where mail for one address ends up after aliases, plus-addressing and postmaster rules: local
/// accounts, addresses elsewhere, or nowhere (with the reason).
/// </summary>
public sealed record RecipientResolution(IReadOnlyList<Account> Accounts, IReadOnlyList<EmailAddress> Forwards, RecipientFailure? Failure)
{
    public bool IsDeliverable => Failure is null && (Accounts.Count > 0 || Forwards.Count > 0);
}

/// <summary>Why an address resolves to nothing, and whether waiting can help.</summary>
public sealed record RecipientFailure(string Status, string Reason, bool Permanent);
