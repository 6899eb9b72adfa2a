using Carrier.Store.Mailboxes;

namespace Carrier.Store.Accounts;

/// <summary>A mail account: one address that has a password and mailboxes.</summary>
public sealed record Account(long Id, string Address, string PasswordHash, DateTimeOffset CreatedAt);

/// <summary>One alias entry: mail for <paramref name="Address"/> goes (also) to <paramref name="Target"/>.</summary>
public sealed record AliasEntry(string Address, string Target);

/// <summary>
/// Domains, accounts and aliases as stored data. Rules about them (hashing, plus-addressing, postmaster)
/// live in the directory, which uses this contract.
/// </summary>
public interface IAccountStore
{
    ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken);

    /// <summary>Returns false when the domain was already there.</summary>
    ValueTask<bool> AddDomainAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Returns false when there was no such domain; throws <see cref="StoreException"/> while accounts or aliases use it.</summary>
    ValueTask<bool> RemoveDomainAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Creates the account and its mailboxes; throws <see cref="StoreException"/> if the address exists.</summary>
    ValueTask<Account> CreateAccountAsync(string address, string passwordHash, IReadOnlyList<DefaultMailbox> mailboxes, CancellationToken cancellationToken);

    ValueTask<Account?> GetAccountAsync(string address, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the account with its mailboxes and messages; returns false if there was none.</summary>
    ValueTask<bool> DeleteAccountAsync(string address, CancellationToken cancellationToken);

    ValueTask<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken);

    /// <summary>Returns false when the same entry already existed.</summary>
    ValueTask<bool> AddAliasAsync(string address, string target, CancellationToken cancellationToken);

    /// <summary>Removes one target, or every target of the alias when <paramref name="target"/> is null; returns how many.</summary>
    ValueTask<int> RemoveAliasAsync(string address, string? target, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> GetAliasTargetsAsync(string address, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<AliasEntry>> ListAliasesAsync(CancellationToken cancellationToken);
}
