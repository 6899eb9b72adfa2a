using Carrier.Cli;
using Carrier.Configuration;
using Carrier.Queue;
using Carrier.Routing.Addresses;
using Carrier.Server;
using Carrier.Smtp.Protocol;
using Carrier.Store.Embedded;
using Carrier.Store.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace Carrier.Sendmail;

/// <summary>
/// The sendmail-compatible entry point: reads a message from standard input and puts it straight into the
/// queue (like Postfix's postdrop); a running server picks it up within its poll interval.
/// </summary>
internal static class SendmailProgram
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, Stream input, TextWriter error, CancellationToken cancellationToken)
    {
        var arguments = SendmailArguments.Parse(args, out string? problem);
        if (arguments is null)
        {
            await error.WriteLineAsync($"sendmail: {problem}");
            await error.WriteLineAsync(SendmailArguments.Usage);
            return ExitCodes.Usage;
        }

        if (arguments.ShowHelp)
        {
            Console.WriteLine(SendmailArguments.Usage);
            return ExitCodes.Ok;
        }

        string data = ConfigurationLoader.ResolveDataDirectory(arguments.DataDirectory);
        var (settings, problems) = ConfigurationLoader.TryLoad(data);
        if (settings is null)
        {
            await error.WriteLineAsync($"sendmail: the configuration in {data} has problems:");
            foreach (var p in problems)
            {
                await error.WriteLineAsync($"  {p}");
            }

            return ExitCodes.Config;
        }

        await using var store = EmbeddedStore.Open(data, new EmbeddedStoreOptions { InlineBlobMaxBytes = settings.Options.Store.InlineBlobMaxBytes }, CliContext.Time, NullLogger.Instance);
        if (arguments.ListQueue)
        {
            QueueCommands.PrintList(await store.Queue.ListAsync(cancellationToken));
            return ExitCodes.Ok;
        }

        var message = await LocalMessage.ReadAsync(input, arguments.IgnoreDots, settings.Options.Limits.MessageSizeBytes, cancellationToken);
        if (message is null)
        {
            await error.WriteLineAsync($"sendmail: message is larger than Limits:MessageSizeBytes ({settings.Options.Limits.MessageSizeBytes} octets)");
            return ExitCodes.DataError;
        }

        var directory = CarrierServer.CreateDirectory(settings, store, CliContext.Time);
        string defaultDomain = settings.Options.Domains.Local.FirstOrDefault() ?? settings.Hostname;
        string user = Environment.UserName;
        string senderText = arguments.Sender ?? $"{user}@{defaultDomain}";
        string sender;
        if (senderText is "<>" or "")
        {
            sender = string.Empty;
        }
        else if (Qualify(senderText, defaultDomain) is { } qualifiedSender)
        {
            sender = qualifiedSender.ToString();
        }
        else
        {
            await error.WriteLineAsync($"sendmail: bad sender address '{senderText}'");
            return ExitCodes.DataError;
        }

        var recipientTexts = new List<string>(arguments.Recipients);
        if (arguments.ExtractRecipients)
        {
            recipientTexts.AddRange(message.HeaderRecipients());
        }

        var recipients = new List<EmailAddress>();
        foreach (string text in recipientTexts.SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Qualify(text, defaultDomain) is not { } address)
            {
                await error.WriteLineAsync($"sendmail: bad recipient address '{text}'");
                return ExitCodes.DataError;
            }

            if (await directory.IsLocalAsync(address.Domain, cancellationToken) && !await directory.AcceptsAsync(address, cancellationToken))
            {
                await error.WriteLineAsync($"sendmail: {address}: user unknown");
                return ExitCodes.NoUser;
            }

            if (!recipients.Contains(address))
            {
                recipients.Add(address);
            }
        }

        if (recipients.Count == 0)
        {
            await error.WriteLineAsync("sendmail: no recipients: give them as arguments or use -t");
            return ExitCodes.Usage;
        }

        var time = CliContext.Time;
        var now = time.GetUtcNow();
        var intake = new MessageIntake(store.Queue, store.Blobs, time, NullLogger.Instance);
        string queueId = intake.NewQueueId();
        var prepend = new List<string>
        {
            $"Received: by {settings.Hostname} (Carrier sendmail, from user {user})",
            $"\tid {queueId}; {Rfc5322Date.Format(now)}",
        };
        if (!message.Has("From"))
        {
            string address = sender.Length == 0 ? $"MAILER-DAEMON@{settings.Hostname}" : sender;
            prepend.Add(arguments.FullName is { Length: > 0 } name ? $"From: {new MimeKit.MailboxAddress(name, address)}" : $"From: <{address}>");
        }

        if (!message.Has("Date"))
        {
            prepend.Add($"Date: {Rfc5322Date.Format(now)}");
        }

        if (!message.Has("Message-ID"))
        {
            prepend.Add($"Message-ID: <{queueId}@{settings.Hostname}>");
        }

        byte[] content = message.ToBytes(prepend, removeBcc: arguments.ExtractRecipients);
        await using var blob = intake.CreateContent();
        try
        {
            await blob.WriteAsync(content, cancellationToken);
            await intake.SubmitAsync(
                new QueuedMessage
                {
                    Id = queueId,
                    Sender = sender,
                    ArrivedAt = now,
                    Size = blob.Length,
                    BlobId = blob.BlobId,
                    Origin = "sendmail",
                    Client = "local",
                    BodyType = System.Text.Ascii.IsValid(content) ? "7BIT" : "8BITMIME",
                    SmtpUtf8 = recipients.Any(r => !System.Text.Ascii.IsValid(r.ToString())) || !System.Text.Ascii.IsValid(sender),
                },
                [.. recipients.Select((r, i) => new QueuedRecipient { Index = i, Address = r.ToString(), NextAttemptAt = now })],
                blob,
                cancellationToken);
        }
        catch (Exception e) when (e is IOException or Microsoft.Data.Sqlite.SqliteException or Store.StoreException)
        {
            await error.WriteLineAsync($"sendmail: could not queue the message ({e.Message}); try again later");
            return ExitCodes.TempFail;
        }

        return ExitCodes.Ok;
    }

    private static EmailAddress? Qualify(string text, string defaultDomain)
    {
        text = text.Trim();
        if (text.StartsWith('<') && text.EndsWith('>'))
        {
            text = text[1..^1];
        }

        if (!text.Contains('@'))
        {
            text = $"{text}@{defaultDomain}";
        }

        return SmtpPathParser.TryParseMailbox(text, out var path, out _) && path is { IsBarePostmaster: false }
            ? EmailAddress.Create(path.LocalPart, path.Domain)
            : null;
    }
}
