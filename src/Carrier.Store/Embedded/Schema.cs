using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Carrier.Store.Embedded;

/// <summary>
/// The embedded schema as an ordered list of migrations. The version lives in <c>PRAGMA user_version</c>;
/// opening a store applies every migration above it, each in its own transaction. A store newer than this
/// build is refused rather than guessed at.
/// </summary>
/// <remarks>
/// Migrations are append-only: a released migration is never edited, a change is a new one. Each has a
/// test that opens a store made at the version before it and checks the data survives.
/// </remarks>
internal static partial class Schema
{
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "initial schema: directory, mailboxes, messages, blobs, queue", V1),
        new(2, "queue: remember that a recipient's sender was told of the delay", V2),
        new(3, "mailboxes: expunge records for QRESYNC, message summaries, MODSEQ index", V3),
        new(4, "mailboxes keep their message count; inline blob content apart from reference counts", V4),
    ];

    public static int LatestVersion => Migrations[^1].Version;

    public static int GetVersion(SqliteConnection connection) =>
        Convert.ToInt32(connection.Scalar("PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Applies the migrations above the store's version, up to <paramref name="target"/> (default: all).</summary>
    public static void Migrate(SqliteConnection connection, ILogger logger, int? target = null)
    {
        int version = GetVersion(connection);
        int latest = target ?? LatestVersion;
        if (version > LatestVersion)
        {
            throw new StoreException(
                $"The store '{connection.DataSource}' has schema version {version}, but this Carrier knows versions up to {LatestVersion}. " +
                "Run a Carrier at least as new as the one that last opened it, or restore a backup.");
        }

        foreach (var migration in Migrations)
        {
            if (migration.Version <= version || migration.Version > latest)
            {
                continue;
            }

            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = migration.Sql + $"\nPRAGMA user_version = {migration.Version};";
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            LogMigrated(logger, connection.DataSource, migration.Version, migration.Description);
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "store: {Path} upgraded to schema version {Version} ({Description})")]
    private static partial void LogMigrated(ILogger logger, string path, int version, string description);

    // Counting a mailbox's messages on every open made delivery slow down as the mailbox grew; triggers keep
    // the count instead. Inline content moves to its own table because a reference-count or summary update
    // rewrote the whole row, content and overflow pages included; the content itself never changes.
    private const string V4 = """
        ALTER TABLE mailboxes ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
        UPDATE mailboxes SET message_count = (SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = mailboxes.id);
        CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
        BEGIN UPDATE mailboxes SET message_count = message_count + 1 WHERE id = NEW.mailbox_id; END;
        CREATE TRIGGER messages_count_delete AFTER DELETE ON messages
        BEGIN UPDATE mailboxes SET message_count = message_count - 1 WHERE id = OLD.mailbox_id; END;

        CREATE TABLE blob_contents (
            id   TEXT PRIMARY KEY REFERENCES blobs (id) ON DELETE CASCADE,
            data BLOB NOT NULL
        );
        INSERT INTO blob_contents (id, data) SELECT id, COALESCE(data, x'') FROM blobs WHERE in_file = 0;
        ALTER TABLE blobs DROP COLUMN data;
        """;

    private const string V3 = """
        CREATE TABLE expunged (
            mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
            uid        INTEGER NOT NULL,
            modseq     INTEGER NOT NULL,
            PRIMARY KEY (mailbox_id, uid)
        );
        CREATE INDEX expunged_modseq ON expunged (mailbox_id, modseq);
        CREATE INDEX messages_modseq ON messages (mailbox_id, modseq);
        ALTER TABLE blobs ADD COLUMN summary TEXT;
        """;

    private const string V2 = """
        ALTER TABLE queue_recipients ADD COLUMN delay_warned INTEGER NOT NULL DEFAULT 0;
        """;

    private const string V1 = """
        CREATE TABLE settings (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE domains (
            name       TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE accounts (
            id            INTEGER PRIMARY KEY,
            address       TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            created_at    INTEGER NOT NULL
        );

        CREATE TABLE aliases (
            address TEXT NOT NULL,
            target  TEXT NOT NULL,
            PRIMARY KEY (address, target)
        );

        -- Immutable message content. Small blobs live in 'data'; large ones are files (in_file = 1).
        -- 'refs' counts queue entries and mailbox messages that use the blob (kept by triggers).
        CREATE TABLE blobs (
            id         TEXT PRIMARY KEY,
            size       INTEGER NOT NULL,
            in_file    INTEGER NOT NULL DEFAULT 0,
            data       BLOB,
            refs       INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX blobs_unreferenced ON blobs (created_at) WHERE refs <= 0;

        CREATE TABLE mailboxes (
            id             INTEGER PRIMARY KEY,
            account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            name           TEXT NOT NULL,
            uid_validity   INTEGER NOT NULL,
            uid_next       INTEGER NOT NULL DEFAULT 1,
            highest_modseq INTEGER NOT NULL DEFAULT 1,
            special_use    TEXT,
            subscribed     INTEGER NOT NULL DEFAULT 1,
            UNIQUE (account_id, name)
        );

        CREATE TABLE messages (
            id            INTEGER PRIMARY KEY,
            mailbox_id    INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
            uid           INTEGER NOT NULL,
            modseq        INTEGER NOT NULL,
            flags         INTEGER NOT NULL DEFAULT 0,
            keywords      TEXT,
            internal_date INTEGER NOT NULL,
            size          INTEGER NOT NULL,
            blob_id       TEXT NOT NULL REFERENCES blobs (id),
            header_prefix BLOB,
            delivery_key  TEXT UNIQUE,
            UNIQUE (mailbox_id, uid)
        );

        CREATE TABLE queue_messages (
            id          TEXT PRIMARY KEY,
            sender      TEXT NOT NULL,
            arrived_at  INTEGER NOT NULL,
            size        INTEGER NOT NULL,
            blob_id     TEXT NOT NULL REFERENCES blobs (id),
            origin      TEXT NOT NULL,
            client      TEXT NOT NULL,
            helo        TEXT,
            body_type   TEXT NOT NULL,
            smtputf8    INTEGER NOT NULL,
            dsn_ret     TEXT,
            dsn_envid   TEXT,
            held        INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE queue_recipients (
            message_id      TEXT NOT NULL REFERENCES queue_messages (id) ON DELETE CASCADE,
            idx             INTEGER NOT NULL,
            address         TEXT NOT NULL,
            orcpt           TEXT,
            notify          TEXT,
            state           INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_attempt_at INTEGER,
            last_reply      TEXT,
            dsn_status      TEXT,
            relay           TEXT,
            PRIMARY KEY (message_id, idx)
        );
        CREATE INDEX queue_recipients_due ON queue_recipients (next_attempt_at) WHERE state < 2;

        CREATE TRIGGER messages_blob_ref AFTER INSERT ON messages
        BEGIN UPDATE blobs SET refs = refs + 1 WHERE id = NEW.blob_id; END;
        CREATE TRIGGER messages_blob_unref AFTER DELETE ON messages
        BEGIN UPDATE blobs SET refs = refs - 1 WHERE id = OLD.blob_id; END;
        CREATE TRIGGER queue_blob_ref AFTER INSERT ON queue_messages
        BEGIN UPDATE blobs SET refs = refs + 1 WHERE id = NEW.blob_id; END;
        CREATE TRIGGER queue_blob_unref AFTER DELETE ON queue_messages
        BEGIN UPDATE blobs SET refs = refs - 1 WHERE id = OLD.blob_id; END;
        """;
}

/// <summary>One schema step: the version it produces and the SQL that gets there.</summary>
internal sealed record Migration(int Version, string Description, string Sql);
