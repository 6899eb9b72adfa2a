using System.Text;

namespace Carrier.Cli;

/// <summary>Reads a password from the terminal without echo, or one line from standard input.</summary>
internal static class PasswordReader
{
    public static string Read(string address, bool fromStdin)
    {
        if (fromStdin || Console.IsInputRedirected)
        {
            string? line = Console.In.ReadLine();
            if (string.IsNullOrEmpty(line))
            {
                throw new CliException("No password on standard input.", ExitCodes.Usage);
            }

            return line;
        }

        string first = Prompt($"Password for {address}: ");
        string second = Prompt("Again: ");
        if (first != second)
        {
            throw new CliException("The two passwords differ; nothing was changed.", ExitCodes.Usage);
        }

        return first;
    }

    private static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
