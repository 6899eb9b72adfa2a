using Carrier.Store;

namespace Carrier.Tests.Store.Contract;

/// <summary>Creating, deleting, renaming and subscribing mailboxes (RFC 9051 §6.3), with their identity counters.</summary>
public abstract class MailboxManagementContract : StoreContract
{
    private const char Delimiter = '/';

    private async Task<IReadOnlyList<string>> NamesAsync(long accountId) =>
        [.. (await Store.Mailboxes.ListMailboxesAsync(accountId, None)).Select(m => m.Name)];

    [Fact]
    public async Task A_new_account_has_the_standard_mailboxes_with_special_use()
    {
        var account = await AccountAsync();
        var mailboxes = await Store.Mailboxes.ListMailboxesAsync(account.Id, None);
        Assert.Equal("INBOX", mailboxes[0].Name);
        Assert.Equal(
            new Dictionary<string, string?> { ["INBOX"] = null, ["Sent"] = "\\Sent", ["Drafts"] = "\\Drafts", ["Trash"] = "\\Trash", ["Junk"] = "\\Junk", ["Archive"] = "\\Archive" },
            mailboxes.ToDictionary(m => m.Name, m => m.SpecialUse));
        Assert.All(mailboxes, m => Assert.True(m.Subscribed));
        Assert.Equal(mailboxes.Count, mailboxes.Select(m => m.UidValidity).Distinct().Count());
    }

    [Fact]
    public async Task Inbox_is_found_in_any_case_and_other_names_exactly()
    {
        var account = await AccountAsync();
        Assert.Equal("INBOX", (await Store.Mailboxes.GetMailboxAsync(account.Id, "inbox", None))!.Name);
        Assert.Equal("INBOX", (await Store.Mailboxes.GetMailboxAsync(account.Id, "InBoX", None))!.Name);
        Assert.Null(await Store.Mailboxes.GetMailboxAsync(account.Id, "sent", None));
    }

    [Fact]
    public async Task Create_refuses_an_existing_name_and_a_recreated_mailbox_gets_a_new_uidvalidity()
    {
        var account = await AccountAsync();
        var created = await Store.Mailboxes.CreateMailboxAsync(account.Id, "Projects/Carrier", null, None);
        Assert.Equal(("Projects/Carrier", 1u, 0), (created.Name, created.UidNext, created.MessageCount));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Mailboxes.CreateMailboxAsync(account.Id, "Projects/Carrier", null, None));

        await AppendAsync(created, Content("a message"));
        Assert.True(await Store.Mailboxes.DeleteMailboxAsync(account.Id, "Projects/Carrier", None));
        Assert.False(await Store.Mailboxes.DeleteMailboxAsync(account.Id, "Projects/Carrier", None));
        Assert.DoesNotContain("Projects/Carrier", await NamesAsync(account.Id));

        var again = await Store.Mailboxes.CreateMailboxAsync(account.Id, "Projects/Carrier", "\\Flagged", None);
        Assert.True(again.UidValidity > created.UidValidity);
        Assert.Equal((0, "\\Flagged"), (again.MessageCount, again.SpecialUse));
    }

    [Fact]
    public async Task Rename_moves_the_mailbox_and_everything_below_it()
    {
        var account = await AccountAsync();
        var work = await Store.Mailboxes.CreateMailboxAsync(account.Id, "Work", null, None);
        var child = await Store.Mailboxes.CreateMailboxAsync(account.Id, "Work/2026", null, None);
        await Store.Mailboxes.CreateMailboxAsync(account.Id, "Work/2026/March", null, None);
        await Store.Mailboxes.CreateMailboxAsync(account.Id, "Workshop", null, None);
        uint uid = await AppendAsync(child, Content("in a child"));

        await Store.Mailboxes.RenameMailboxAsync(account.Id, "Work", "Jobs", Delimiter, None);
        var names = await NamesAsync(account.Id);
        Assert.Contains("Jobs", names);
        Assert.Contains("Jobs/2026", names);
        Assert.Contains("Jobs/2026/March", names);
        Assert.Contains("Workshop", names);
        Assert.DoesNotContain("Work", names);
        Assert.DoesNotContain("Work/2026", names);

        var renamed = (await Store.Mailboxes.GetMailboxAsync(account.Id, "Jobs/2026", None))!;
        Assert.Equal((child.Id, child.UidValidity), (renamed.Id, renamed.UidValidity));
        Assert.Equal(Content("in a child"), await ReadMessageAsync(renamed, uid));
        Assert.Equal(work.Id, (await Store.Mailboxes.GetMailboxAsync(account.Id, "Jobs", None))!.Id);
    }

    [Fact]
    public async Task Rename_refuses_a_missing_source_or_an_existing_target()
    {
        var account = await AccountAsync();
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Mailboxes.RenameMailboxAsync(account.Id, "Nothing", "Something", Delimiter, None));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.Mailboxes.RenameMailboxAsync(account.Id, "Sent", "Trash", Delimiter, None));
        Assert.Contains("Sent", await NamesAsync(account.Id));
    }

    [Fact]
    public async Task Rename_refuses_when_a_mailbox_below_would_land_on_a_taken_name()
    {
        var account = await AccountAsync();
        await Store.Mailboxes.CreateMailboxAsync(account.Id, "Work", null, None);
        await Store.Mailboxes.CreateMailboxAsync(account.Id, "Work/2026", null, None);
        await Store.Mailboxes.CreateMailboxAsync(account.Id, "Jobs/2026", null, None);

        var refusal = await Assert.ThrowsAsync<StoreException>(async () => await Store.Mailboxes.RenameMailboxAsync(account.Id, "Work", "Jobs", Delimiter, None));
        Assert.Contains("Jobs/2026", refusal.Message, StringComparison.Ordinal);
        var names = await NamesAsync(account.Id);
        Assert.Contains("Work", names);
        Assert.Contains("Work/2026", names);
        Assert.DoesNotContain("Jobs", names);
    }

    [Fact]
    public async Task Renaming_inbox_moves_its_messages_and_leaves_it_empty()
    {
        var account = await AccountAsync();
        var inbox = await MailboxAsync();
        var child = await Store.Mailboxes.CreateMailboxAsync(account.Id, "INBOX/Lists", null, None);
        uint one = await AppendAsync(inbox, Content("first"), flags: Carrier.Store.Mailboxes.MessageFlags.Seen);
        await AppendAsync(inbox, Content("second"));

        await Store.Mailboxes.RenameMailboxAsync(account.Id, "INBOX", "Old mail", Delimiter, None);

        var emptied = await ReloadAsync(inbox);
        Assert.Equal((inbox.Id, inbox.UidValidity, 0), (emptied.Id, emptied.UidValidity, emptied.MessageCount));
        var old = (await Store.Mailboxes.GetMailboxAsync(account.Id, "Old mail", None))!;
        var moved = await MessagesAsync(old);
        Assert.Equal(2, moved.Count);
        Assert.Equal(Carrier.Store.Mailboxes.MessageFlags.Seen, moved[0].Flags);
        Assert.Equal(Content("first"), await ReadMessageAsync(old, moved[0].Uid));
        Assert.Equal(child.Id, (await Store.Mailboxes.GetMailboxAsync(account.Id, "INBOX/Lists", None))!.Id);

        // New mail still arrives in INBOX, with UIDs above the ones it had.
        Assert.True(await AppendAsync(emptied, Content("third")) > one + 1);
    }

    [Fact]
    public async Task Subscription_is_kept_per_mailbox()
    {
        var account = await AccountAsync();
        Assert.True(await Store.Mailboxes.SetSubscribedAsync(account.Id, "Junk", false, None));
        Assert.False((await Store.Mailboxes.GetMailboxAsync(account.Id, "Junk", None))!.Subscribed);
        Assert.True(await Store.Mailboxes.SetSubscribedAsync(account.Id, "Junk", true, None));
        Assert.True((await Store.Mailboxes.GetMailboxAsync(account.Id, "Junk", None))!.Subscribed);
        Assert.False(await Store.Mailboxes.SetSubscribedAsync(account.Id, "No such", true, None));
    }

    [Fact]
    public async Task Mailboxes_of_one_account_are_apart_from_another_accounts()
    {
        var alice = await AccountAsync("alice@local.test");
        var bob = await AccountAsync("bob@local.test");
        await Store.Mailboxes.CreateMailboxAsync(alice.Id, "Private", null, None);
        Assert.Null(await Store.Mailboxes.GetMailboxAsync(bob.Id, "Private", None));
        Assert.NotEqual((await MailboxAsync("INBOX", "alice@local.test")).Id, (await MailboxAsync("INBOX", "bob@local.test")).Id);
        Assert.False(await Store.Mailboxes.DeleteMailboxAsync(bob.Id, "Private", None));
    }
}
