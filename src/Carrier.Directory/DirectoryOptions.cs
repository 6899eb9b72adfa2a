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
}
