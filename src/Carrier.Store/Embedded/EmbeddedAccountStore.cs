using Carrier.Store.Accounts;
using Carrier.Store.Mailboxes;
using Microsoft.Data.Sqlite;

namespace Carrier.Store.Embedded;

internal sealed class EmbeddedAccountStore : IAccountStore
{
    private readonly SqliteDatabase _database;
    private readonly EmbeddedBlobStore _blobs;
    private readonly TimeProvider _time;

    public EmbeddedAccountStore(SqliteDatabase database, EmbeddedBlobStore blobs, TimeProvider time)
    {
        _database = database;
        _blobs = blobs;
        _time = time;
    }

    public async ValueTask<IReadOnlyList<string>> ListDomainsAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        return ReadStrings(connection, "SELECT name FROM domains ORDER BY name");
    }

    public async ValueTask<bool> AddDomainAsync(string domain, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute(
            "INSERT OR IGNORE INTO domains (name, created_at) VALUES (@name, @now)",
            ("@name", domain),
            ("@now", _time.GetUtcNow().ToUnixMs())) > 0);

    public async ValueTask<bool> RemoveDomainAsync(string domain, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c =>
        {
            string suffix = "%@" + domain;
            long users = (long)c.Scalar("SELECT COUNT(*) FROM accounts WHERE address LIKE @suffix", ("@suffix", suffix))!;
            long aliases = (long)c.Scalar("SELECT COUNT(*) FROM aliases WHERE address LIKE @suffix", ("@suffix", suffix))!;
            if (users > 0 || aliases > 0)
            {
                throw new StoreException($"Domain {domain} still has {users} account(s) and {aliases} alias entr(ies); delete them first.");
            }

            return c.Execute("DELETE FROM domains WHERE name = @name", ("@name", domain)) > 0;
        });

    public async ValueTask<Account> CreateAccountAsync(string address, string passwordHash, IReadOnlyList<DefaultMailbox> mailboxes, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return await _database.WriteAsync(c =>
        {
            if (c.Scalar("SELECT 1 FROM accounts WHERE address = @address", ("@address", address)) is not null)
            {
                throw new StoreException($"The account {address} already exists.");
            }

            long id = (long)c.Scalar(
                "INSERT INTO accounts (address, password_hash, created_at) VALUES (@address, @hash, @now) RETURNING id",
                ("@address", address),
                ("@hash", passwordHash),
                ("@now", now.ToUnixMs()))!;
            foreach (var mailbox in mailboxes)
            {
                c.Execute(
                    "INSERT INTO mailboxes (account_id, name, uid_validity, special_use) VALUES (@account, @name, @validity, @special)",
                    ("@account", id),
                    ("@name", mailbox.Name),
                    ("@validity", NextUidValidity(c, now)),
                    ("@special", mailbox.SpecialUse));
            }

            return new Account(id, address, passwordHash, now);
        });
    }

    /// <summary>
    /// RFC 9051 §2.3.1.1: a mailbox re-created under an old name must get a new UIDVALIDITY. Seconds since
    /// the epoch, but always above the last value given out, guarantee that even within one second.
    /// </summary>
    internal static long NextUidValidity(SqliteConnection connection, DateTimeOffset now)
    {
        long last = connection.Scalar("SELECT value FROM settings WHERE name = 'last_uid_validity'") is string text
            ? long.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        long next = Math.Max(now.ToUnixTimeSeconds(), last + 1) & 0xFFFFFFFF;
        connection.Execute(
            "INSERT INTO settings (name, value) VALUES ('last_uid_validity', @value) ON CONFLICT (name) DO UPDATE SET value = @value",
            ("@value", next.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return next;
    }

    public async ValueTask<Account?> GetAccountAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command(
            "SELECT id, address, password_hash, created_at FROM accounts WHERE address = @address",
            ("@address", address));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAccount(reader) : null;
    }

    public async ValueTask<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command("SELECT id, address, password_hash, created_at FROM accounts ORDER BY address");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var accounts = new List<Account>();
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(ReadAccount(reader));
        }

        return accounts;
    }

    public async ValueTask<bool> DeleteAccountAsync(string address, CancellationToken cancellationToken)
    {
        var (deleted, files) = await _database.WriteAsync(c =>
        {
            int count = c.Execute("DELETE FROM accounts WHERE address = @address", ("@address", address));
            return (count > 0, _blobs.CollectUnreferenced(c));
        });
        EmbeddedBlobStore.DeleteFiles(files);
        return deleted;
    }

    public async ValueTask<bool> SetPasswordHashAsync(string address, string passwordHash, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute(
            "UPDATE accounts SET password_hash = @hash WHERE address = @address",
            ("@hash", passwordHash),
            ("@address", address)) > 0);

    public async ValueTask<bool> AddAliasAsync(string address, string target, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute(
            "INSERT OR IGNORE INTO aliases (address, target) VALUES (@address, @target)",
            ("@address", address),
            ("@target", target)) > 0);

    public async ValueTask<int> RemoveAliasAsync(string address, string? target, CancellationToken cancellationToken) =>
        await _database.WriteAsync(c => c.Execute(
            "DELETE FROM aliases WHERE address = @address AND (@target IS NULL OR target = @target)",
            ("@address", address),
            ("@target", target)));

    public async ValueTask<IReadOnlyList<string>> GetAliasTargetsAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        return ReadStrings(connection, "SELECT target FROM aliases WHERE address = @address ORDER BY target", ("@address", address));
    }

    public async ValueTask<IReadOnlyList<AliasEntry>> ListAliasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.OpenReader();
        await using var command = connection.Command("SELECT address, target FROM aliases ORDER BY address, target");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var aliases = new List<AliasEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            aliases.Add(new AliasEntry(reader.GetString(0), reader.GetString(1)));
        }

        return aliases;
    }

    private static Account ReadAccount(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), SqliteExtensions.FromUnixMs(r.GetInt64(3)));

    private static List<string> ReadStrings(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = connection.Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
