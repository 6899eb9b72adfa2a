using System.CommandLine;

namespace Carrier.Cli;

internal static class AliasCommands
{
    public static Command Create()
    {
        var addAddress = new Argument<string>("address") { Description = "The alias, in a local domain" };
        var addTargets = new Argument<string[]>("targets") { Description = "Where its mail goes (one or more addresses)", Arity = ArgumentArity.OneOrMore };
        var add = new Command("add", """
            Send mail for an address to one or more other addresses. To keep a copy in an account of the
            same name, list the address itself among the targets.

            Example:
              carrier alias add sales@example.org alice@example.org bob@example.org
              carrier alias add info@example.org info@example.org archive@example.org
            """) { addAddress, addTargets };
        add.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string address = parse.GetValue(addAddress)!;
            foreach (string target in parse.GetValue(addTargets)!)
            {
                bool added = await context.Directory.AddAliasAsync(address, target, ct);
                Console.WriteLine(added ? $"{address} -> {target}" : $"{address} -> {target} (already there)");
            }

            return ExitCodes.Ok;
        }));

        var delAddress = new Argument<string>("address") { Description = "The alias" };
        var delTarget = new Argument<string?>("target") { Description = "One target to remove (default: the whole alias)", Arity = ArgumentArity.ZeroOrOne };
        var del = new Command("del", """
            Remove an alias, or one of its targets.

            Example:
              carrier alias del sales@example.org bob@example.org
              carrier alias del sales@example.org
            """) { delAddress, delTarget };
        del.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string address = parse.GetValue(delAddress)!;
            int removed = await context.Directory.RemoveAliasAsync(address, parse.GetValue(delTarget), ct);
            if (removed == 0)
            {
                throw new CliException($"There is no such alias entry for {address}.");
            }

            Console.WriteLine($"Removed {removed} entr{(removed == 1 ? "y" : "ies")} of {address}");
            return ExitCodes.Ok;
        }));

        var list = new Command("list", """
            List aliases and their targets.

            Example:
              carrier alias list
            """);
        list.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            foreach (var group in (await context.Store.Accounts.ListAliasesAsync(ct)).GroupBy(a => a.Address))
            {
                Console.WriteLine($"{group.Key,-40} -> {string.Join(", ", group.Select(a => a.Target))}");
            }

            return ExitCodes.Ok;
        }));

        return new Command("alias", "Manage aliases: add, del, list") { add, del, list };
    }
}
