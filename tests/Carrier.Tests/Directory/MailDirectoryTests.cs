using Carrier.Directory;
using Carrier.Routing.Addresses;
using Carrier.Store;
using Carrier.Store.Embedded;
using Carrier.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Directory;

/// <summary>The directory over a real embedded store: accounts, aliases, plus-addressing, role addresses, domains.</summary>
public sealed class MailDirectoryTests : IAsyncLifetime
{
    private const string Password = "a-long-password";

    private readonly TempDirectory _directory = new("directory");
    private EmbeddedStore _store = null!;
    private MailDirectory _mail = null!;

    public Task InitializeAsync()
    {
        _store = EmbeddedStore.Open(_directory.Path, new EmbeddedStoreOptions(), TimeProvider.System, NullLogger.Instance);
        _mail = Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private static CancellationToken None => CancellationToken.None;

    private MailDirectory Create(string? postmaster = null, string delimiter = "+", TimeProvider? time = null) =>
        new(
            _store.Accounts,
            new DirectoryOptions
            {
                LocalDomains = ["local.test"],
                RelayDomains = ["backup.test"],
                Postmaster = postmaster,
                RecipientDelimiter = delimiter,
                PasswordIterations = 1000,
            },
            time ?? TimeProvider.System);

    private async Task UsersAsync(params string[] addresses)
    {
        foreach (string address in addresses)
        {
            await _mail.AddUserAsync(address, Password, None);
        }
    }

    private async Task AliasAsync(string address, params string[] targets)
    {
        foreach (string target in targets)
        {
            Assert.True(await _mail.AddAliasAsync(address, target, None));
        }
    }

    private Task<RecipientResolution> ResolveAsync(string address, MailDirectory? directory = null) =>
        (directory ?? _mail).ResolveAsync(EmailAddress.Parse(address), None).AsTask();

    private static string[] Accounts(RecipientResolution resolution) => [.. resolution.Accounts.Select(a => a.Address).Order(StringComparer.Ordinal)];

    private static string[] Forwards(RecipientResolution resolution) => [.. resolution.Forwards.Select(a => a.ToString()).Order(StringComparer.Ordinal)];

    private static void AssertDelivers(RecipientResolution resolution, string[] accounts, string[]? forwards = null)
    {
        Assert.Null(resolution.Failure);
        Assert.True(resolution.IsDeliverable);
        Assert.Equal(accounts, Accounts(resolution));
        Assert.Equal(forwards ?? [], Forwards(resolution));
    }

    private static void AssertFails(RecipientResolution resolution, string status, bool permanent)
    {
        Assert.False(resolution.IsDeliverable);
        Assert.Empty(resolution.Accounts);
        Assert.Empty(resolution.Forwards);
        Assert.NotNull(resolution.Failure);
        Assert.Equal(status, resolution.Failure.Status);
        Assert.Equal(permanent, resolution.Failure.Permanent);
    }

    // --- accounts ----------------------------------------------------------------------------------------

    [Fact]
    public async Task An_account_receives_its_own_mail()
    {
        var account = await _mail.AddUserAsync("alice@local.test", Password, None);
        Assert.Equal("alice@local.test", account.Address);
        var resolution = await ResolveAsync("alice@local.test");
        AssertDelivers(resolution, ["alice@local.test"]);
        Assert.Equal(account.Id, resolution.Accounts[0].Id);
        Assert.True(await _mail.AcceptsAsync(EmailAddress.Parse("alice@local.test"), None));
    }

    [Fact]
    public async Task Accounts_are_stored_and_found_without_regard_to_case()
    {
        var account = await _mail.AddUserAsync("Alice@Local.TEST", Password, None);
        Assert.Equal("alice@local.test", account.Address);
        AssertDelivers(await ResolveAsync("ALICE@local.test"), ["alice@local.test"]);
    }

    [Fact]
    public async Task An_account_outside_the_local_domains_is_refused()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddUserAsync("alice@elsewhere.test", Password, None).AsTask());
        Assert.Equal(
            "elsewhere.test is not a local domain. Add it with 'carrier domain add elsewhere.test' or to Domains:Local in carrier.json.",
            exception.Message);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("alice@")]
    [InlineData("\"alice\"@local.test")]
    public async Task An_account_needs_a_plain_address(string address) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddUserAsync(address, Password, None).AsTask());

    [Fact]
    public async Task An_account_cannot_be_added_twice()
    {
        await UsersAsync("alice@local.test");
        var exception = await Assert.ThrowsAsync<StoreException>(() => _mail.AddUserAsync("ALICE@local.test", Password, None).AsTask());
        Assert.Equal("The account alice@local.test already exists.", exception.Message);
    }

    [Fact]
    public async Task A_password_needs_eight_characters()
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddUserAsync("alice@local.test", "1234567", None).AsTask());
        Assert.Equal("The password is too short: use at least 8 characters.", exception.Message);
        await _mail.AddUserAsync("alice@local.test", "12345678", None);
    }

    [Fact]
    public async Task An_unknown_user_fails_permanently_with_5_1_1()
    {
        var resolution = await ResolveAsync("nobody@local.test");
        AssertFails(resolution, "5.1.1", permanent: true);
        Assert.Equal("unknown user", resolution.Failure!.Reason);
        Assert.False(await _mail.AcceptsAsync(EmailAddress.Parse("nobody@local.test"), None));
    }

    [Fact]
    public async Task A_deleted_account_is_unknown()
    {
        await UsersAsync("alice@local.test");
        Assert.True(await _mail.DeleteUserAsync("Alice@local.test", None));
        Assert.False(await _mail.DeleteUserAsync("alice@local.test", None));
        AssertFails(await ResolveAsync("alice@local.test"), "5.1.1", permanent: true);
    }

    // --- authentication ------------------------------------------------------------------------------------

    [Fact]
    public async Task The_right_password_authenticates()
    {
        var account = await _mail.AddUserAsync("alice@local.test", Password, None);
        var authenticated = await _mail.AuthenticateAsync("alice@local.test", Password, None);
        Assert.NotNull(authenticated);
        Assert.Equal(account.Id, authenticated.Id);
        Assert.NotNull(await _mail.AuthenticateAsync("ALICE@Local.Test", Password, None));
    }

    [Theory]
    [InlineData("alice@local.test", "a-long-passworD")]
    [InlineData("alice@local.test", "")]
    [InlineData("nobody@local.test", Password)]
    [InlineData("alice", Password)]
    [InlineData("", Password)]
    public async Task A_wrong_password_or_unknown_user_does_not_authenticate(string user, string password)
    {
        await UsersAsync("alice@local.test");
        Assert.Null(await _mail.AuthenticateAsync(user, password, None));
    }

    [Fact]
    public async Task A_changed_password_replaces_the_old_one()
    {
        await UsersAsync("alice@local.test");
        Assert.True(await _mail.SetPasswordAsync("alice@local.test", "another-password", None));
        Assert.Null(await _mail.AuthenticateAsync("alice@local.test", Password, None));
        Assert.NotNull(await _mail.AuthenticateAsync("alice@local.test", "another-password", None));
        Assert.False(await _mail.SetPasswordAsync("nobody@local.test", "another-password", None));
    }

    [Fact]
    public async Task Passwords_are_stored_hashed()
    {
        var account = await _mail.AddUserAsync("alice@local.test", Password, None);
        Assert.DoesNotContain(Password, account.PasswordHash, StringComparison.Ordinal);
        Assert.StartsWith("$pbkdf2-sha256$i=1000$", account.PasswordHash, StringComparison.Ordinal);
    }

    // --- aliases -----------------------------------------------------------------------------------------

    [Fact]
    public async Task An_alias_delivers_to_every_target()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("team@local.test", "alice@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("team@local.test"), ["alice@local.test", "bob@local.test"]);
        Assert.True(await _mail.AcceptsAsync(EmailAddress.Parse("team@local.test"), None));
    }

    [Fact]
    public async Task The_same_alias_entry_is_added_once()
    {
        await UsersAsync("alice@local.test");
        Assert.True(await _mail.AddAliasAsync("team@local.test", "alice@local.test", None));
        Assert.False(await _mail.AddAliasAsync("Team@local.test", "ALICE@local.test", None));
    }

    [Fact]
    public async Task An_alias_for_an_account_replaces_its_delivery()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("alice@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("alice@local.test"), ["bob@local.test"]);
    }

    [Fact]
    public async Task An_alias_to_itself_keeps_a_copy()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("alice@local.test", "alice@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("alice@local.test"), ["alice@local.test", "bob@local.test"]);
    }

    [Fact]
    public async Task Nested_aliases_expand_to_the_accounts_at_the_end()
    {
        await UsersAsync("alice@local.test", "bob@local.test", "carol@local.test");
        await AliasAsync("team@local.test", "alice@local.test", "bob@local.test");
        await AliasAsync("all@local.test", "team@local.test", "carol@local.test");
        await AliasAsync("everyone@local.test", "all@local.test", "team@local.test");
        AssertDelivers(await ResolveAsync("everyone@local.test"), ["alice@local.test", "bob@local.test", "carol@local.test"]);
    }

    [Fact]
    public async Task An_account_reached_twice_gets_one_copy()
    {
        await UsersAsync("alice@local.test");
        await AliasAsync("a@local.test", "alice@local.test");
        await AliasAsync("b@local.test", "alice@local.test");
        await AliasAsync("both@local.test", "a@local.test", "b@local.test", "alice@local.test");
        var resolution = await ResolveAsync("both@local.test");
        AssertDelivers(resolution, ["alice@local.test"]);
        Assert.Single(resolution.Accounts);
    }

    [Fact]
    public async Task An_alias_loop_terminates_and_finds_nobody()
    {
        await AliasAsync("ping@local.test", "pong@local.test");
        await AliasAsync("pong@local.test", "ping@local.test");
        AssertFails(await ResolveAsync("ping@local.test"), "5.1.1", permanent: true);
    }

    [Fact]
    public async Task An_alias_loop_still_delivers_to_the_accounts_on_the_way()
    {
        await UsersAsync("alice@local.test");
        await AliasAsync("ping@local.test", "pong@local.test", "alice@local.test");
        await AliasAsync("pong@local.test", "ping@local.test");
        AssertDelivers(await ResolveAsync("pong@local.test"), ["alice@local.test"]);
    }

    [Fact]
    public async Task Ten_levels_of_aliases_resolve_and_eleven_are_too_deep()
    {
        await UsersAsync("alice@local.test");
        for (int i = 0; i < 11; i++)
        {
            await AliasAsync($"level{i}@local.test", i == 10 ? "alice@local.test" : $"level{i + 1}@local.test");
        }

        // level1 -> ... -> level10 -> alice is ten hops; level0 adds the eleventh.
        AssertDelivers(await ResolveAsync("level1@local.test"), ["alice@local.test"]);
        var deep = await ResolveAsync("level0@local.test");
        AssertFails(deep, "5.4.6", permanent: true);
        Assert.Equal("alias expansion too deep or too wide (a loop in the aliases?)", deep.Failure!.Reason);
    }

    [Fact]
    public async Task A_bad_target_does_not_stop_the_other_targets_of_an_alias()
    {
        // Targets are read in order, so the unknown one comes first.
        await UsersAsync("bob@local.test");
        await AliasAsync("team@local.test", "anna-has-left@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("team@local.test"), ["bob@local.test"]);
    }

    [Fact]
    public async Task An_alias_whose_targets_are_all_unknown_fails_like_them()
    {
        await AliasAsync("team@local.test", "gone1@local.test", "gone2@local.test");
        AssertFails(await ResolveAsync("team@local.test"), "5.1.1", permanent: true);
    }

    [Fact]
    public async Task Remote_alias_targets_come_back_as_forwards()
    {
        await UsersAsync("alice@local.test");
        await AliasAsync("fwd@local.test", "Someone@Remote.Example", "alice@local.test", "backup@backup.test");
        var resolution = await ResolveAsync("fwd@local.test");
        AssertDelivers(resolution, ["alice@local.test"], ["backup@backup.test", "someone@remote.example"]);
    }

    [Fact]
    public async Task A_remote_address_resolves_to_itself_as_a_forward() =>
        AssertDelivers(await ResolveAsync("someone@remote.example"), [], ["someone@remote.example"]);

    [Fact]
    public async Task Removing_an_alias_target_or_all_of_them()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("team@local.test", "alice@local.test", "bob@local.test");
        Assert.Equal(1, await _mail.RemoveAliasAsync("team@local.test", "bob@local.test", None));
        AssertDelivers(await ResolveAsync("team@local.test"), ["alice@local.test"]);
        await AliasAsync("team@local.test", "bob@local.test");
        Assert.Equal(2, await _mail.RemoveAliasAsync("team@local.test", null, None));
        AssertFails(await ResolveAsync("team@local.test"), "5.1.1", permanent: true);
    }

    [Fact]
    public async Task An_alias_needs_a_local_source_and_a_valid_target()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddAliasAsync("team@elsewhere.test", "alice@local.test", None).AsTask());
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddAliasAsync("team@local.test", "alice", None).AsTask());
        Assert.Equal("'alice' is not an address of the form user@domain.", exception.Message);
    }

    // --- plus-addressing -----------------------------------------------------------------------------------

    [Fact]
    public async Task A_tagged_address_reaches_the_user()
    {
        await UsersAsync("alice@local.test");
        AssertDelivers(await ResolveAsync("alice+news@local.test"), ["alice@local.test"]);
        AssertDelivers(await ResolveAsync("Alice+News+More@local.test"), ["alice@local.test"]);
    }

    [Fact]
    public async Task A_tagged_address_reaches_an_alias_too()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("team@local.test", "alice@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("team+list@local.test"), ["alice@local.test", "bob@local.test"]);
    }

    [Fact]
    public async Task An_explicit_alias_for_a_tagged_address_wins()
    {
        await UsersAsync("alice@local.test", "bob@local.test");
        await AliasAsync("alice+shop@local.test", "bob@local.test");
        AssertDelivers(await ResolveAsync("alice+shop@local.test"), ["bob@local.test"]);
        AssertDelivers(await ResolveAsync("alice+other@local.test"), ["alice@local.test"]);
    }

    [Fact]
    public async Task An_account_named_with_the_delimiter_wins_over_the_tag()
    {
        await UsersAsync("alice@local.test", "alice+work@local.test");
        AssertDelivers(await ResolveAsync("alice+work@local.test"), ["alice+work@local.test"]);
    }

    [Theory]
    [InlineData("nobody+tag@local.test")]
    [InlineData("+tag@local.test")]
    public async Task A_tag_on_an_unknown_user_is_unknown(string address)
    {
        await UsersAsync("alice@local.test");
        AssertFails(await ResolveAsync(address), "5.1.1", permanent: true);
    }

    [Fact]
    public async Task An_empty_delimiter_turns_plus_addressing_off()
    {
        await UsersAsync("alice@local.test");
        AssertFails(await ResolveAsync("alice+news@local.test", Create(delimiter: string.Empty)), "5.1.1", permanent: true);
    }

    [Fact]
    public async Task Another_delimiter_can_be_configured()
    {
        await UsersAsync("alice@local.test");
        var directory = Create(delimiter: "-");
        AssertDelivers(await ResolveAsync("alice-news@local.test", directory), ["alice@local.test"]);
        AssertFails(await ResolveAsync("alice+news@local.test", directory), "5.1.1", permanent: true);
    }

    // --- postmaster and abuse ------------------------------------------------------------------------------

    [Theory]
    [InlineData("postmaster@local.test")]
    [InlineData("Postmaster@local.test")]
    [InlineData("abuse@local.test")]
    public async Task Role_addresses_go_to_the_configured_postmaster(string address)
    {
        await UsersAsync("admin@local.test");
        AssertDelivers(await ResolveAsync(address, Create(postmaster: "admin@local.test")), ["admin@local.test"]);
    }

    [Fact]
    public async Task Role_addresses_of_a_stored_domain_go_to_the_postmaster_as_well()
    {
        await UsersAsync("admin@local.test");
        var directory = Create(postmaster: "admin@local.test");
        Assert.True(await directory.AddDomainAsync("added.test", None));
        AssertDelivers(await ResolveAsync("postmaster@added.test", directory), ["admin@local.test"]);
    }

    [Fact]
    public async Task A_remote_postmaster_is_a_forward()
    {
        var directory = Create(postmaster: "hostmaster@provider.example");
        AssertDelivers(await ResolveAsync("abuse@local.test", directory), [], ["hostmaster@provider.example"]);
    }

    [Fact]
    public async Task An_account_or_alias_for_a_role_address_comes_first()
    {
        await UsersAsync("admin@local.test", "postmaster@local.test", "carol@local.test");
        await AliasAsync("abuse@local.test", "carol@local.test");
        var directory = Create(postmaster: "admin@local.test");
        AssertDelivers(await ResolveAsync("postmaster@local.test", directory), ["postmaster@local.test"]);
        AssertDelivers(await ResolveAsync("abuse@local.test", directory), ["carol@local.test"]);
    }

    [Theory]
    [InlineData("postmaster@local.test")]
    [InlineData("abuse@local.test")]
    public async Task Without_a_postmaster_role_addresses_fail_temporarily_but_are_accepted(string address)
    {
        var resolution = await ResolveAsync(address);
        AssertFails(resolution, "4.3.0", permanent: false);
        Assert.Equal($"no mailbox for {address}: create it, alias it, or set the Postmaster key", resolution.Failure!.Reason);
        Assert.True(await _mail.AcceptsAsync(EmailAddress.Parse(address), None));
    }

    [Fact]
    public async Task A_postmaster_that_names_itself_fails_temporarily()
    {
        var directory = Create(postmaster: "postmaster@local.test");
        AssertFails(await ResolveAsync("postmaster@local.test", directory), "4.3.0", permanent: false);
    }

    // --- domains -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("local.test")]
    [InlineData("LOCAL.test")]
    [InlineData("local.test.")]
    public async Task Configured_domains_are_local(string domain)
    {
        Assert.True(await _mail.IsLocalAsync(domain, None));
        Assert.True(_mail.IsConfiguredLocal(domain));
    }

    [Fact]
    public async Task Relay_domains_are_not_local()
    {
        Assert.True(_mail.IsRelay("Backup.Test"));
        Assert.False(_mail.IsRelay("local.test"));
        Assert.False(await _mail.IsLocalAsync("backup.test", None));
        Assert.False(await _mail.IsLocalAsync("elsewhere.test", None));
    }

    [Fact]
    public async Task An_added_domain_is_local_at_once_and_listed_after_the_configured_ones()
    {
        Assert.False(await _mail.IsLocalAsync("added.test", None));
        Assert.True(await _mail.AddDomainAsync("Added.Test", None));
        Assert.False(await _mail.AddDomainAsync("added.test", None));
        Assert.True(await _mail.IsLocalAsync("added.test", None));
        Assert.False(_mail.IsConfiguredLocal("added.test"));
        await _mail.AddUserAsync("dave@added.test", Password, None);
        Assert.Equal(
            new (string, string)[] { ("local.test", "configuration (Domains:Local)"), ("added.test", "store") },
            await _mail.ListLocalDomainsAsync(None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("exa mple.org")]
    [InlineData("-bad.example")]
    [InlineData("bad-.example")]
    [InlineData("a..b")]
    [InlineData("under_score.example")]
    public async Task A_malformed_domain_cannot_be_added(string domain)
    {
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => _mail.AddDomainAsync(domain, None).AsTask());
        Assert.EndsWith("is not a domain name such as example.org.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_domain_cannot_be_removed()
    {
        var exception = await Assert.ThrowsAsync<StoreException>(() => _mail.RemoveDomainAsync("Local.Test", None).AsTask());
        Assert.Equal("local.test is declared in the configuration key Domains:Local; remove it from carrier.json instead.", exception.Message);
        Assert.True(await _mail.IsLocalAsync("local.test", None));
    }

    [Fact]
    public async Task A_domain_with_accounts_or_aliases_cannot_be_removed()
    {
        await _mail.AddDomainAsync("added.test", None);
        await _mail.AddUserAsync("dave@added.test", Password, None);
        var exception = await Assert.ThrowsAsync<StoreException>(() => _mail.RemoveDomainAsync("added.test", None).AsTask());
        Assert.Equal("Domain added.test still has 1 account(s) and 0 alias entr(ies); delete them first.", exception.Message);

        await _mail.DeleteUserAsync("dave@added.test", None);
        await _mail.AddAliasAsync("list@added.test", "alice@local.test", None);
        exception = await Assert.ThrowsAsync<StoreException>(() => _mail.RemoveDomainAsync("added.test", None).AsTask());
        Assert.Equal("Domain added.test still has 0 account(s) and 1 alias entr(ies); delete them first.", exception.Message);
        Assert.True(await _mail.IsLocalAsync("added.test", None));
    }

    [Fact]
    public async Task An_empty_added_domain_can_be_removed_once()
    {
        await _mail.AddDomainAsync("added.test", None);
        Assert.True(await _mail.RemoveDomainAsync("added.test", None));
        Assert.False(await _mail.IsLocalAsync("added.test", None));
        Assert.False(await _mail.RemoveDomainAsync("added.test", None));
    }

    [Fact]
    public async Task Domains_added_elsewhere_are_seen_once_the_cache_lifetime_has_passed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cached = Create(time: clock);
        Assert.False(await cached.IsLocalAsync("added.test", None));

        // Another process (the CLI) adds the domain to the same store.
        Assert.True(await Create().AddDomainAsync("added.test", None));
        Assert.False(await cached.IsLocalAsync("added.test", None));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await cached.IsLocalAsync("added.test", None));
    }
}
