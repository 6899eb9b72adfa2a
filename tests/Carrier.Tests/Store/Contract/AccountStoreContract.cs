using Carrier.Store;
using Carrier.Store.Accounts;
using Carrier.Store.Mailboxes;

namespace Carrier.Tests.Store.Contract;

/// <summary>Domains, accounts and aliases as stored data.</summary>
public abstract class AccountStoreContract : StoreContract
{
    [Fact]
    public async Task Accounts_are_created_once_found_listed_and_deleted()
    {
        var created = await Store.Accounts.CreateAccountAsync("bob@local.test", "hash-1", DefaultMailbox.Standard, None);
        await Store.Accounts.CreateAccountAsync("alice@local.test", "hash-2", [new DefaultMailbox("INBOX", null)], None);
        Assert.Equal(("bob@local.test", "hash-1", Time.GetUtcNow()), (created.Address, created.PasswordHash, created.CreatedAt));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Accounts.CreateAccountAsync("bob@local.test", "other", DefaultMailbox.Standard, None));

        Assert.Equal(created, await Store.Accounts.GetAccountAsync("bob@local.test", None));
        Assert.Null(await Store.Accounts.GetAccountAsync("carol@local.test", None));
        Assert.Equal(["alice@local.test", "bob@local.test"], (await Store.Accounts.ListAccountsAsync(None)).Select(a => a.Address));

        Assert.True(await Store.Accounts.SetPasswordHashAsync("bob@local.test", "hash-3", None));
        Assert.False(await Store.Accounts.SetPasswordHashAsync("carol@local.test", "hash-3", None));
        Assert.Equal("hash-3", (await Store.Accounts.GetAccountAsync("bob@local.test", None))!.PasswordHash);

        Assert.True(await Store.Accounts.DeleteAccountAsync("bob@local.test", None));
        Assert.False(await Store.Accounts.DeleteAccountAsync("bob@local.test", None));
        Assert.Equal(["alice@local.test"], (await Store.Accounts.ListAccountsAsync(None)).Select(a => a.Address));
    }

    [Fact]
    public async Task Deleting_an_account_takes_its_mailboxes_and_mail_with_it()
    {
        var inbox = await MailboxAsync("INBOX", "bob@local.test");
        byte[] content = LargeContent();
        await AppendAsync(inbox, content);
        string blobId = (await MessagesAsync(inbox))[0].BlobId;

        Assert.True(await Store.Accounts.DeleteAccountAsync("bob@local.test", None));
        Assert.Empty(await Store.Mailboxes.ListMailboxesAsync(inbox.AccountId, None));
        Assert.Null(await Store.Mailboxes.OpenMessageAsync(inbox.Id, 1, None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Blobs.OpenReadAsync(blobId, None));

        // The same address can be created again, with fresh mailboxes.
        var again = await Store.Accounts.CreateAccountAsync("bob@local.test", "hash", DefaultMailbox.Standard, None);
        var newInbox = (await Store.Mailboxes.GetMailboxAsync(again.Id, "INBOX", None))!;
        Assert.Equal(0, newInbox.MessageCount);
        Assert.True(newInbox.UidValidity > inbox.UidValidity);
    }

    [Fact]
    public async Task Domains_are_added_once_and_removed_only_when_unused()
    {
        Assert.True(await Store.Accounts.AddDomainAsync("local.test", None));
        Assert.False(await Store.Accounts.AddDomainAsync("local.test", None));
        Assert.True(await Store.Accounts.AddDomainAsync("other.test", None));
        Assert.Equal(["local.test", "other.test"], await Store.Accounts.ListDomainsAsync(None));

        await AccountAsync("alice@local.test");
        await Store.Accounts.AddAliasAsync("sales@other.test", "alice@local.test", None);
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Accounts.RemoveDomainAsync("local.test", None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Accounts.RemoveDomainAsync("other.test", None));

        await Store.Accounts.RemoveAliasAsync("sales@other.test", null, None);
        Assert.True(await Store.Accounts.RemoveDomainAsync("other.test", None));
        Assert.False(await Store.Accounts.RemoveDomainAsync("other.test", None));
        Assert.Equal(["local.test"], await Store.Accounts.ListDomainsAsync(None));
    }

    [Fact]
    public async Task A_domain_is_not_held_by_accounts_of_a_domain_that_ends_like_it()
    {
        await Store.Accounts.AddDomainAsync("example.test", None);
        await AccountAsync("alice@myexample.test");
        await Store.Accounts.AddAliasAsync("info@sub.example.test", "alice@myexample.test", None);
        Assert.True(await Store.Accounts.RemoveDomainAsync("example.test", None));
    }

    [Fact]
    public async Task Aliases_hold_several_targets_each_added_once()
    {
        Assert.True(await Store.Accounts.AddAliasAsync("team@local.test", "bob@local.test", None));
        Assert.True(await Store.Accounts.AddAliasAsync("team@local.test", "alice@local.test", None));
        Assert.False(await Store.Accounts.AddAliasAsync("team@local.test", "alice@local.test", None));
        Assert.True(await Store.Accounts.AddAliasAsync("info@local.test", "someone@example.org", None));

        Assert.Equal(["alice@local.test", "bob@local.test"], await Store.Accounts.GetAliasTargetsAsync("team@local.test", None));
        Assert.Empty(await Store.Accounts.GetAliasTargetsAsync("nobody@local.test", None));
        Assert.Equal(
            [new AliasEntry("info@local.test", "someone@example.org"), new AliasEntry("team@local.test", "alice@local.test"), new AliasEntry("team@local.test", "bob@local.test")],
            await Store.Accounts.ListAliasesAsync(None));

        Assert.Equal(1, await Store.Accounts.RemoveAliasAsync("team@local.test", "bob@local.test", None));
        Assert.Equal(0, await Store.Accounts.RemoveAliasAsync("team@local.test", "bob@local.test", None));
        Assert.Equal(1, await Store.Accounts.RemoveAliasAsync("team@local.test", null, None));
        Assert.Equal(["info@local.test"], (await Store.Accounts.ListAliasesAsync(None)).Select(a => a.Address));
    }
}
