using System.Security.Cryptography;
using System.Text;
using Carrier.Routing;
using Carrier.Routing.Addresses;
using Carrier.Store;
using Carrier.Store.Accounts;
using Carrier.Store.Mailboxes;

namespace Carrier.Directory;

/// <summary>
/// Answers the directory's two questions — who is this user (authenticate), and where does mail for this
/// address go (resolve) — and keeps the rules for accounts, aliases and domains in one place.
/// </summary>
public sealed class MailDirectory : IDomainCatalog
{
    private const int MaxAliasDepth = 10;
    private const int MaxExpansion = 1000;

    private readonly IAccountStore _store;
    private readonly DirectoryOptions _options;
    private readonly PasswordHasher _hasher;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _configuredLocal;
    private readonly HashSet<string> _relay;
    private readonly Lazy<string> _dummyHash;
    private readonly byte[] _decoySecret;
    private HashSet<string> _storedLocal = [];
    private DateTimeOffset _storedLocalExpires = DateTimeOffset.MinValue;

    public MailDirectory(IAccountStore store, DirectoryOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        _hasher = new PasswordHasher(options.PasswordIterations);
        _configuredLocal = new HashSet<string>(options.LocalDomains.Select(Normalize), StringComparer.Ordinal);
        _relay = new HashSet<string>(options.RelayDomains.Select(Normalize), StringComparer.Ordinal);
        _dummyHash = new Lazy<string>(() => _hasher.Hash(Guid.NewGuid().ToString()));
        _decoySecret = options.DecoySecret ?? RandomNumberGenerator.GetBytes(32);
    }

    public IAccountStore Store => _store;

    // --- domains ---------------------------------------------------------------------------------

    public async ValueTask<bool> IsLocalAsync(string domain, CancellationToken cancellationToken)
    {
        domain = Normalize(domain);
        if (_configuredLocal.Contains(domain))
        {
            return true;
        }

        return (await StoredLocalDomainsAsync(cancellationToken)).Contains(domain);
    }

    public bool IsRelay(string domain) => _relay.Contains(Normalize(domain));

    /// <summary>Whether a domain is local because configuration says so (and so cannot be removed from the store).</summary>
    public bool IsConfiguredLocal(string domain) => _configuredLocal.Contains(Normalize(domain));

    /// <summary>Every local domain, configured first, then those added with <c>carrier domain add</c>.</summary>
    public async ValueTask<IReadOnlyList<(string Domain, string Source)>> ListLocalDomainsAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.ListDomainsAsync(cancellationToken);
        var result = _configuredLocal.Order(StringComparer.Ordinal).Select(d => (d, "configuration (Domains:Local)")).ToList();
        result.AddRange(stored.Where(d => !_configuredLocal.Contains(d)).Select(d => (d, "store")));
        return result;
    }

    public async ValueTask<bool> AddDomainAsync(string domain, CancellationToken cancellationToken)
    {
        domain = Normalize(domain);
        if (!IsValidDomain(domain))
        {
            throw new ArgumentException($"'{domain}' is not a domain name such as example.org.");
        }

        bool added = await _store.AddDomainAsync(domain, cancellationToken);
        _storedLocalExpires = DateTimeOffset.MinValue;
        return added;
    }

    public async ValueTask<bool> RemoveDomainAsync(string domain, CancellationToken cancellationToken)
    {
        domain = Normalize(domain);
        if (IsConfiguredLocal(domain))
        {
            throw new StoreException($"{domain} is declared in the configuration key Domains:Local; remove it from carrier.json instead.");
        }

        bool removed = await _store.RemoveDomainAsync(domain, cancellationToken);
        _storedLocalExpires = DateTimeOffset.MinValue;
        return removed;
    }

    private async ValueTask<HashSet<string>> StoredLocalDomainsAsync(CancellationToken cancellationToken)
    {
        if (_time.GetUtcNow() < _storedLocalExpires)
        {
            return _storedLocal;
        }

        // Two sessions may refresh at once; both read the same table, and the last one wins.
        var fresh = new HashSet<string>(await _store.ListDomainsAsync(cancellationToken), StringComparer.Ordinal);
        _storedLocal = fresh;
        _storedLocalExpires = _time.GetUtcNow() + _options.DomainCacheLifetime;
        return fresh;
    }

    // --- accounts and aliases ---------------------------------------------------------------------

    public async ValueTask<Account> AddUserAsync(string address, string password, CancellationToken cancellationToken)
    {
        var parsed = await RequireLocalAddressAsync(address, cancellationToken);
        ValidatePassword(password);
        return await _store.CreateAccountAsync(parsed.Key, _hasher.Hash(password), DefaultMailbox.Standard, cancellationToken);
    }

    public async ValueTask<bool> SetPasswordAsync(string address, string password, CancellationToken cancellationToken)
    {
        ValidatePassword(password);
        return await _store.SetPasswordHashAsync(EmailAddress.Parse(address).Key, _hasher.Hash(password), cancellationToken);
    }

    public ValueTask<bool> DeleteUserAsync(string address, CancellationToken cancellationToken) =>
        _store.DeleteAccountAsync(EmailAddress.Parse(address).Key, cancellationToken);

    public async ValueTask<bool> AddAliasAsync(string address, string target, CancellationToken cancellationToken)
    {
        var source = await RequireLocalAddressAsync(address, cancellationToken);
        if (!EmailAddress.TryParse(target, out var destination))
        {
            throw new ArgumentException($"'{target}' is not an address of the form user@domain.");
        }

        return await _store.AddAliasAsync(source.Key, destination.Key, cancellationToken);
    }

    public ValueTask<int> RemoveAliasAsync(string address, string? target, CancellationToken cancellationToken) =>
        _store.RemoveAliasAsync(EmailAddress.Parse(address).Key, target is null ? null : EmailAddress.Parse(target).Key, cancellationToken);

    /// <summary>Checks a user's password; null when the user is unknown or the password wrong (never says which).</summary>
    public async ValueTask<Account?> AuthenticateAsync(string user, string password, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(user, out var address))
        {
            return null;
        }

        var account = await _store.GetAccountAsync(address.Key, cancellationToken);
        if (account is null)
        {
            // Spend the same time as a real check, so that timing does not tell which users exist.
            PasswordHasher.Verify(password, _dummyHash.Value);
            return null;
        }

        return PasswordHasher.Verify(password, account.PasswordHash) ? account : null;
    }

    /// <summary>
    /// The salt, iteration count and derived key of a user's stored password, for SCRAM-SHA-256. An unknown
    /// user, or one whose hash is not a 32-octet PBKDF2-SHA256 key, gets a decoy derived from the name and
    /// <see cref="DirectoryOptions.DecoySecret"/> with no account, so no proof can match and the answer looks
    /// like a real one.
    /// </summary>
    public async ValueTask<PasswordKey> GetPasswordKeyAsync(string user, CancellationToken cancellationToken)
    {
        var account = EmailAddress.TryParse(user, out var address) ? await _store.GetAccountAsync(address.Key, cancellationToken) : null;
        if (account is not null && PasswordHasher.TryParse(account.PasswordHash, out var salt, out int iterations, out var key) && key.Length == PasswordKey.KeyBytes)
        {
            return new PasswordKey(salt, iterations, key, account);
        }

        byte[] name = Encoding.UTF8.GetBytes(user.Trim().ToLowerInvariant());
        byte[] decoySalt = HMACSHA256.HashData(_decoySecret, (byte[])[.. "salt:"u8, .. name])[..16];
        byte[] decoyKey = HMACSHA256.HashData(_decoySecret, (byte[])[.. "key:"u8, .. name]);
        return new PasswordKey(decoySalt, _hasher.Iterations, decoyKey, null);
    }

    // --- recipients ---------------------------------------------------------------------------------

    /// <summary>Whether mail for a local address would reach someone (used at RCPT time).</summary>
    public async ValueTask<bool> AcceptsAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        if (IsRoleAddress(address))
        {
            return true;
        }

        var resolution = await ResolveAsync(address, cancellationToken);
        return resolution.IsDeliverable;
    }

    /// <summary>Expands aliases, plus-addressing and role addresses down to accounts and remote addresses.</summary>
    public async ValueTask<RecipientResolution> ResolveAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var accounts = new Dictionary<long, Account>();
        var forwards = new Dictionary<string, EmailAddress>(StringComparer.Ordinal);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var failure = await ExpandAsync(address, 0, visited, accounts, forwards, cancellationToken);
        if (accounts.Count > 0 || forwards.Count > 0)
        {
            return new RecipientResolution([.. accounts.Values], [.. forwards.Values], null);
        }

        return new RecipientResolution([], [], failure ?? new RecipientFailure("5.1.1", "unknown user", Permanent: true));
    }

    private async ValueTask<RecipientFailure?> ExpandAsync(
        EmailAddress address,
        int depth,
        HashSet<string> visited,
        Dictionary<long, Account> accounts,
        Dictionary<string, EmailAddress> forwards,
        CancellationToken cancellationToken)
    {
        if (depth > MaxAliasDepth || visited.Count > MaxExpansion)
        {
            return new RecipientFailure("5.4.6", "alias expansion too deep or too wide (a loop in the aliases?)", Permanent: true);
        }

        if (!visited.Add(address.Key))
        {
            return null;
        }

        if (!await IsLocalAsync(address.Domain, cancellationToken))
        {
            forwards[address.Key] = address;
            return null;
        }

        var targets = await _store.GetAliasTargetsAsync(address.Key, cancellationToken);
        if (targets.Count > 0)
        {
            RecipientFailure? firstFailure = null;
            foreach (string target in targets)
            {
                var targetAddress = EmailAddress.Parse(target);
                if (targetAddress.Key == address.Key)
                {
                    // "alice -> alice, bob": the alias keeps a copy in alice's own mailbox.
                    if (await _store.GetAccountAsync(address.Key, cancellationToken) is { } self)
                    {
                        accounts[self.Id] = self;
                    }

                    continue;
                }

                // Expand every target, even after one has failed: the others still get the mail.
                var failure = await ExpandAsync(targetAddress, depth + 1, visited, accounts, forwards, cancellationToken);
                firstFailure ??= failure;
            }

            return firstFailure;
        }

        if (await _store.GetAccountAsync(address.Key, cancellationToken) is { } account)
        {
            accounts[account.Id] = account;
            return null;
        }

        if (StripTag(address) is { } untagged)
        {
            return await ExpandAsync(untagged, depth + 1, visited, accounts, forwards, cancellationToken);
        }

        if (IsRoleAddress(address))
        {
            if (_options.Postmaster is { } postmaster && EmailAddress.TryParse(postmaster, out var fallback) && fallback.Key != address.Key)
            {
                return await ExpandAsync(fallback, depth + 1, visited, accounts, forwards, cancellationToken);
            }

            // Accepted as RFC 5321 §4.5.1 demands; waits in the queue until an administrator gives it a home.
            return new RecipientFailure("4.3.0", $"no mailbox for {address}: create it, alias it, or set the Postmaster key", Permanent: false);
        }

        return new RecipientFailure("5.1.1", "unknown user", Permanent: true);
    }

    private EmailAddress? StripTag(EmailAddress address)
    {
        if (_options.RecipientDelimiter.Length == 0)
        {
            return null;
        }

        int tag = address.LocalPart.IndexOf(_options.RecipientDelimiter, StringComparison.Ordinal);
        return tag > 0 ? EmailAddress.Create(address.LocalPart[..tag], address.Domain) : null;
    }

    private static bool IsRoleAddress(EmailAddress address) =>
        address.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase) ||
        address.LocalPart.Equals("abuse", StringComparison.OrdinalIgnoreCase);

    private async ValueTask<EmailAddress> RequireLocalAddressAsync(string address, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(address, out var parsed) || parsed.LocalPart.StartsWith('"'))
        {
            throw new ArgumentException($"'{address}' is not an address of the form user@domain.");
        }

        if (!await IsLocalAsync(parsed.Domain, cancellationToken))
        {
            throw new ArgumentException(
                $"{parsed.Domain} is not a local domain. Add it with 'carrier domain add {parsed.Domain}' or to Domains:Local in carrier.json.");
        }

        return parsed;
    }

    private static void ValidatePassword(string password)
    {
        if (password.Length < 8)
        {
            throw new ArgumentException("The password is too short: use at least 8 characters.");
        }
    }

    private static bool IsValidDomain(string domain) =>
        domain.Length is > 0 and <= 253 && domain.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127));

    private static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}
