using System.CommandLine;
using System.Globalization;
using Carrier.Store.Queue;

namespace Carrier.Cli;

internal static class QueueCommands
{
    private const string All = "ALL";

    public static Command Create()
    {
        var list = new Command("list", """
            List queued messages with each recipient's state, attempts, next attempt and last error
            (like Postfix's mailq).

            Example:
              carrier queue list
            """);
        list.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            var entries = await context.Store.Queue.ListAsync(ct);
            PrintList(entries);
            return ExitCodes.Ok;
        }));

        var showId = new Argument<string>("id") { Description = "The queue id" };
        var content = new Option<bool>("--content") { Description = "Also print the message itself" };
        var show = new Command("show", """
            Show one queued message: envelope, every recipient's state and history, and optionally its content.

            Example:
              carrier queue show 01JDZ3K5X7M2Q8AB --content
            """) { showId, content };
        show.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            string id = parse.GetValue(showId)!;
            var entry = await context.Store.Queue.GetAsync(id, ct) ?? throw new CliException($"No message {id} in the queue.");
            PrintEntry(entry);
            if (parse.GetValue(content))
            {
                Console.WriteLine();
                await using var stream = await context.Store.Blobs.OpenReadAsync(entry.Message.BlobId, ct);
                await using var stdout = Console.OpenStandardOutput();
                await stream.CopyToAsync(stdout, ct);
            }

            return ExitCodes.Ok;
        }));

        return new Command("queue", "Inspect and manage the mail queue: list, show, delete, hold, release, flush")
        {
            list,
            show,
            IdCommand("delete", "Remove messages from the queue without delivering or returning them.", "carrier queue delete 01JDZ3K5X7M2Q8AB", async (queue, id, ct) => await queue.DeleteAsync(id, ct)),
            IdCommand("hold", "Hold messages: they stay queued but are not attempted until released.", "carrier queue hold ALL", async (queue, id, ct) => await queue.SetHeldAsync(id, true, ct)),
            IdCommand("release", "Release held messages for delivery.", "carrier queue release 01JDZ3K5X7M2Q8AB", async (queue, id, ct) => await queue.SetHeldAsync(id, false, ct)),
            FlushCommand(),
        };
    }

    private static Command IdCommand(string name, string description, string example, Func<IQueueStore, string, CancellationToken, Task<bool>> action)
    {
        var ids = new Argument<string[]>("ids") { Description = "Queue ids, or ALL", Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, $"{description}\n\nExample:\n  {example}") { ids };
        command.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            var targets = parse.GetValue(ids)!;
            if (targets.Contains(All, StringComparer.OrdinalIgnoreCase))
            {
                targets = [.. (await context.Store.Queue.ListAsync(ct)).Select(e => e.Message.Id)];
            }

            int done = 0;
            foreach (string id in targets)
            {
                if (await action(context.Store.Queue, id, ct))
                {
                    done++;
                }
                else
                {
                    await Console.Error.WriteLineAsync($"carrier: no message {id} in the queue");
                }
            }

            Console.WriteLine($"{name}: {done} message{(done == 1 ? string.Empty : "s")}");
            return done == targets.Length ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command FlushCommand()
    {
        var id = new Argument<string?>("id") { Description = "One queue id (default: every deferred message)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("flush", """
            Retry deferred mail now instead of at its scheduled time. A running server picks it up within
            a second (Queue:PollInterval).

            Example:
              carrier queue flush
            """) { id };
        command.SetAction((parse, ct) => CliContext.RunAsync(async () =>
        {
            await using var context = CliContext.Open(parse);
            int count = await context.Store.Queue.FlushAsync(parse.GetValue(id), CliContext.Time.GetUtcNow(), ct);
            Console.WriteLine($"flush: {count} recipient{(count == 1 ? string.Empty : "s")} due now");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static void PrintList(IReadOnlyList<QueueEntry> entries)
    {
        if (entries.Count == 0)
        {
            Console.WriteLine("Mail queue is empty");
            return;
        }

        Console.WriteLine($"{"-Queue ID-",-18} {"--Size--",8} {"----Arrival Time----",-20}  -Sender/Recipient-------");
        long total = 0;
        foreach (var entry in entries)
        {
            var m = entry.Message;
            total += m.Size;
            string held = m.Held ? "!" : " ";
            Console.WriteLine($"{m.Id + held,-18} {m.Size,8} {m.ArrivedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}  {Sender(m)}");
            foreach (var r in entry.Recipients)
            {
                Console.WriteLine($"{string.Empty,50}{r.Address}");
                Console.WriteLine($"{string.Empty,52}{Describe(r)}");
            }
        }

        Console.WriteLine($"-- {total / 1024.0:0.#} KiB in {entries.Count} message{(entries.Count == 1 ? string.Empty : "s")} ('!' = held)");
    }

    private static void PrintEntry(QueueEntry entry)
    {
        var m = entry.Message;
        Console.WriteLine($"Queue id:     {m.Id}{(m.Held ? "  (held)" : string.Empty)}");
        Console.WriteLine($"Sender:       {Sender(m)}");
        Console.WriteLine($"Arrived:      {m.ArrivedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz} from {m.Client}{(m.HeloName is null ? string.Empty : $" (helo {m.HeloName})")} by {m.Origin}");
        Console.WriteLine($"Size:         {m.Size} bytes, BODY={m.BodyType}{(m.SmtpUtf8 ? ", SMTPUTF8" : string.Empty)}");
        if (m.EnvelopeId is not null || m.DsnReturn is not null)
        {
            Console.WriteLine($"DSN:          ENVID={m.EnvelopeId ?? "-"} RET={m.DsnReturn ?? "-"}");
        }

        Console.WriteLine("Recipients:");
        foreach (var r in entry.Recipients)
        {
            Console.WriteLine($"  {r.Address}");
            Console.WriteLine($"    {Describe(r)}");
            if (r.OriginalRecipient is not null || r.Notify is not null)
            {
                Console.WriteLine($"    ORCPT={r.OriginalRecipient ?? "-"} NOTIFY={r.Notify ?? "-"}");
            }
        }
    }

    private static string Sender(QueuedMessage message) => message.Sender.Length == 0 ? "MAILER-DAEMON" : message.Sender;

    private static string Describe(QueuedRecipient r)
    {
        string state = r.State.ToDisplay();
        string attempts = $"attempts={r.Attempts}";
        string next = r.State.IsFinal() ? string.Empty : $" next={r.NextAttemptAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}";
        string last = r.LastReply is null ? string.Empty : $" ({r.DsnStatus} {r.LastReply}{(r.Relay is null ? string.Empty : $", relay={r.Relay}")})";
        return $"{state} {attempts}{next}{last}";
    }
}
