using System.CommandLine;
using Carrier.Cli;
using Carrier.Sendmail;

namespace Carrier;

/// <summary>The <c>carrier</c> executable. Invoked as <c>sendmail</c> or <c>mailq</c> it behaves as those programs.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string invokedAs = InvokedName();
        if (invokedAs == "sendmail")
        {
            return await SendmailProgram.RunAsync(args, Console.OpenStandardInput(), Console.Error, CancellationToken.None);
        }

        if (invokedAs == "mailq")
        {
            return await SendmailProgram.RunAsync(["-bp", .. args], Stream.Null, Console.Error, CancellationToken.None);
        }

        if (args.Length > 0 && args[0] == "sendmail")
        {
            return await SendmailProgram.RunAsync(args[1..], Console.OpenStandardInput(), Console.Error, CancellationToken.None);
        }

        return await BuildCommandLine().Parse(args).InvokeAsync();
    }

    public static RootCommand BuildCommandLine()
    {
        var root = new RootCommand("""
            Carrier: a complete mail server (SMTP, queue, local delivery).

            Quick start:
              carrier init --data ./carrier-data --hostname mail.example.org --domain example.org --listen 127.0.0.1:2525
              carrier user add alice@example.org --data ./carrier-data
              carrier serve --data ./carrier-data
            """)
        {
            CliContext.DataOption,
            InitCommand.Create(),
            ServeCommand.Create(),
            CheckCommand.Create(),
            UserCommands.Create(),
            DomainCommands.Create(),
            AliasCommands.Create(),
            QueueCommands.Create(),
            MailboxCommands.Create(),
            DnsCommands.Create(),
            DkimCommands.Create(),
            SendmailHelpCommand(),
        };
        return root;
    }

    // 'carrier sendmail' is handled before parsing (its options are sendmail's, not ours); this entry gives it help text.
    private static Command SendmailHelpCommand()
    {
        var command = new Command("sendmail", "Queue a message from standard input, sendmail-compatible (see 'carrier sendmail --help')");
        command.SetAction(_ =>
        {
            Console.WriteLine(SendmailArguments.Usage);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>argv[0] as the user typed it (a symlink named sendmail keeps its name here, unlike the process path).</summary>
    private static string InvokedName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/self/cmdline"))
            {
                string cmdline = File.ReadAllText("/proc/self/cmdline");
                string first = cmdline.Split('\0')[0];
                return Path.GetFileName(first);
            }
        }
        catch (IOException)
        {
        }

        return Path.GetFileNameWithoutExtension(Environment.GetCommandLineArgs()[0]);
    }
}
