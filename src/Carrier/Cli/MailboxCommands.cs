using System.CommandLine;
using Carrier.Routing.Addresses;
using Carrier.Store.Accounts;
using Carrier.Store.Interop;
using Carrier.Store.Mailboxes;
using MimeKit;

namespace Carrier.Cli;

internal static class MailboxCommands
{
    public static Command Create()
    {
        var mailboxOption = new Option<string>("--mailbox", "-m") { Description = "The mailbox (folder)", DefaultValueFactory = _ => "INBOX", HelpName = "NAME" };

        var listAddress = new Argument<string>("address") { Description = "The account" };
        var list = new Command("list", """
            List an account's mailboxes, then the messages of one of them (INBOX unless --mailbox).

            Example:
              carrier mailbox list alice@example.org
              carrier mailbox list alice@example.org --mailbox Sent
            """) { listAddress, mailboxOption };
        list.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            var account = await RequireAccountAsync(context, parse.GetValue(listAddress)!, ct);
            foreach (var box in await context.Store.Mailboxes.ListMailboxesAsync(account.Id, ct))
            {
                Console.WriteLine($"{box.Name,-12} {box.MessageCount,6} message{(box.MessageCount == 1 ? " " : "s")}  uidvalidity={box.UidValidity} uidnext={box.UidNext}{(box.SpecialUse is null ? string.Empty : $"  {box.SpecialUse}")}");
            }

            var mailbox = await RequireMailboxAsync(context, account, parse.GetValue(mailboxOption)!, ct);
            var messages = await context.Store.Mailboxes.ListMessagesAsync(mailbox.Id, ct);
            Console.WriteLine();
            Console.WriteLine($"{mailbox.Name}:");
            Console.WriteLine($"{"UID",6}  {"Date",-16}  {"Size",8}  {"Flags",-5}  {"From",-30}  Subject");
            foreach (var message in messages)
            {
                var headers = await ReadHeadersAsync(context, mailbox.Id, message.Uid, ct);
                Console.WriteLine($"{message.Uid,6}  {message.InternalDate.ToLocalTime():yyyy-MM-dd HH:mm}  {message.Size,8}  {MaildirExporter.FlagLetters(message.Flags),-5}  {Clip(headers?[HeaderId.From], 30),-30}  {Clip(headers?[HeaderId.Subject], 60)}");
            }

            return ExitCodes.Ok;
        }));

        var showAddress = new Argument<string>("address") { Description = "The account" };
        var showUid = new Argument<uint>("uid") { Description = "The message's UID, from 'mailbox list'" };
        var show = new Command("show", """
            Print one message exactly as stored.

            Example:
              carrier mailbox show alice@example.org 1
            """) { showAddress, showUid, mailboxOption };
        show.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            var account = await RequireAccountAsync(context, parse.GetValue(showAddress)!, ct);
            var mailbox = await RequireMailboxAsync(context, account, parse.GetValue(mailboxOption)!, ct);
            uint uid = parse.GetValue(showUid);
            await using var content = await context.Store.Mailboxes.OpenMessageAsync(mailbox.Id, uid, ct)
                ?? throw new CliException($"{mailbox.Name} of {account.Address} has no message with UID {uid}.");
            await using var stdout = Console.OpenStandardOutput();
            await content.CopyToAsync(stdout, ct);
            return ExitCodes.Ok;
        }));

        var exportAddress = new Argument<string>("address") { Description = "The account" };
        var maildir = new Option<string>("--maildir") { Description = "The Maildir to write (created if missing)", Required = true, HelpName = "DIR" };
        var export = new Command("export", """
            Write every mailbox of an account as a Maildir++ tree (INBOX at the top, other mailboxes as
            .Name subfolders) that mutt, Dovecot and other Maildir readers open.

            Example:
              carrier mailbox export alice@example.org --maildir ~/Maildir
            """) { exportAddress, maildir };
        export.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            var account = await RequireAccountAsync(context, parse.GetValue(exportAddress)!, ct);
            string root = Path.GetFullPath(parse.GetValue(maildir)!);
            int count = await new MaildirExporter(context.Store.Mailboxes).ExportAsync(account.Id, root, new SynchronousProgress(Console.Out), ct);
            Console.WriteLine($"Exported {count} message{(count == 1 ? string.Empty : "s")} of {account.Address} to {root}");
            return ExitCodes.Ok;
        }));

        return new Command("mailbox", "Read mailboxes: list, show, export") { list, show, export };
    }

    private static async Task<Account> RequireAccountAsync(CliContext context, string address, CancellationToken cancellationToken) =>
        await context.Store.Accounts.GetAccountAsync(EmailAddress.Parse(address).Key, cancellationToken)
            ?? throw new CliException($"There is no account {address}. See 'carrier user list'.");

    private static async Task<MailboxInfo> RequireMailboxAsync(CliContext context, Account account, string name, CancellationToken cancellationToken) =>
        await context.Store.Mailboxes.GetMailboxAsync(account.Id, name, cancellationToken)
            ?? throw new CliException($"{account.Address} has no mailbox {name}.");

    private static async Task<HeaderList?> ReadHeadersAsync(CliContext context, long mailboxId, uint messageUid, CancellationToken cancellationToken)
    {
        await using var content = await context.Store.Mailboxes.OpenMessageAsync(mailboxId, messageUid, cancellationToken);
        if (content is null)
        {
            return null;
        }

        try
        {
            return await HeaderList.LoadAsync(content, cancellationToken);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Clip(string? text, int width)
    {
        text = (text ?? string.Empty).Replace('\t', ' ').Trim();
        return text.Length <= width ? text : text[..(width - 1)] + "…";
    }

    private sealed class SynchronousProgress(TextWriter output) : IProgress<string>
    {
        public void Report(string value) => output.WriteLine($"  {value}");
    }
}
