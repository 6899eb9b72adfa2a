using System.CommandLine;

namespace Carrier.Cli;

internal static class UserCommands
{
    public static Command Create()
    {
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input" };

        var addAddress = new Argument<string>("address") { Description = "The new account's address, in a local domain" };
        var add = new Command("add", """
            Create an account with INBOX, Sent, Drafts, Trash, Junk and Archive. Asks for the password.

            Example:
              carrier user add alice@example.org
              echo 'correct horse battery' | carrier user add alice@example.org --password-stdin
            """) { addAddress, passwordStdin };
        add.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string address = parse.GetValue(addAddress)!;
            string password = PasswordReader.Read(address, parse.GetValue(passwordStdin));
            var account = await context.Directory.AddUserAsync(address, password, ct);
            Console.WriteLine($"Created {account.Address}");
            return ExitCodes.Ok;
        }));

        var delAddress = new Argument<string>("address") { Description = "The account to delete, with all its mail" };
        var del = new Command("del", """
            Delete an account and all its mailboxes. Mail still queued for it is returned to its senders.

            Example:
              carrier user del alice@example.org
            """) { delAddress };
        del.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string address = parse.GetValue(delAddress)!;
            if (!await context.Directory.DeleteUserAsync(address, ct))
            {
                throw new CliException($"There is no account {address}.");
            }

            Console.WriteLine($"Deleted {address}");
            return ExitCodes.Ok;
        }));

        var list = new Command("list", """
            List the accounts.

            Example:
              carrier user list
            """);
        list.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            foreach (var account in await context.Store.Accounts.ListAccountsAsync(ct))
            {
                Console.WriteLine($"{account.Address,-40} created {account.CreatedAt:yyyy-MM-dd HH:mm}");
            }

            return ExitCodes.Ok;
        }));

        var passwdAddress = new Argument<string>("address") { Description = "The account whose password changes" };
        var passwd = new Command("passwd", """
            Set a new password for an account.

            Example:
              carrier user passwd alice@example.org
            """) { passwdAddress, passwordStdin };
        passwd.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string address = parse.GetValue(passwdAddress)!;
            if (await context.Store.Accounts.GetAccountAsync(Routing.Addresses.EmailAddress.Parse(address).Key, ct) is null)
            {
                throw new CliException($"There is no account {address}.");
            }

            string password = PasswordReader.Read(address, parse.GetValue(passwordStdin));
            await context.Directory.SetPasswordAsync(address, password, ct);
            Console.WriteLine($"Password of {address} changed");
            return ExitCodes.Ok;
        }));

        return new Command("user", "Manage accounts: add, del, list, passwd") { add, del, list, passwd };
    }
}
