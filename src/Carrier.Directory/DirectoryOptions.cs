namespace Carrier.Directory;

/// <summary>Directory settings that come from configuration rather than from the store.</summary>
public sealed class DirectoryOptions
{
    /// <summary>Domains declared local in configuration (<c>Domains:Local</c>); the store may add more.</summary>
    public IReadOnlyList<string> LocalDomains { get; init; } = [];

    /// <summary>Domains Carrier is a backup MX for (<c>Domains:Relay</c>).</summary>
    public IReadOnlyList<string> RelayDomains { get; init; } = [];

    /// <summary>
    /// Where postmaster@ and abuse@ of every local domain go when no account or alias of that name exists
    /// (RFC 5321 §4.5.1, RFC 2142).
    /// </summary>
    public string? Postmaster { get; init; }

    /// <summary>Separates a tag from the user in <c>alice+news@</c>; empty turns plus-addressing off.</summary>
    public string RecipientDelimiter { get; init; } = "+";

    /// <summary>How long the list of local domains read from the store is trusted before it is read again.</summary>
    public TimeSpan DomainCacheLifetime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>PBKDF2 iterations for new password hashes.</summary>
    public int PasswordIterations { get; init; } = PasswordHasher.DefaultIterations;

    /// <summary>
    /// Key for the made-up SCRAM salt and keys of unknown users (derived from the user name, so the same name
    /// always gets the same answer and the answer does not tell who exists). The host keeps one in the data
    /// directory; without one, each start draws a new key.
    /// </summary>
    public byte[]? DecoySecret { get; init; }
}
