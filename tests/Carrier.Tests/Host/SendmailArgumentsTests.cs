using Carrier.Sendmail;

namespace Carrier.Tests.Host;

/// <summary>The sendmail command line as mail programs and scripts write it.</summary>
public sealed class SendmailArgumentsTests
{
    private static SendmailArguments Parse(params string[] args)
    {
        var parsed = SendmailArguments.Parse(args, out string? error);
        Assert.Null(error);
        Assert.NotNull(parsed);
        return parsed;
    }

    private static string Error(params string[] args)
    {
        var parsed = SendmailArguments.Parse(args, out string? error);
        Assert.Null(parsed);
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void Plain_arguments_are_recipients_and_nothing_else_is_set()
    {
        var parsed = Parse("alice@example.org", "bob");
        Assert.Equal(["alice@example.org", "bob"], parsed.Recipients);
        Assert.False(parsed.ExtractRecipients);
        Assert.False(parsed.IgnoreDots);
        Assert.False(parsed.ListQueue);
        Assert.False(parsed.ShowHelp);
        Assert.Null(parsed.Sender);
        Assert.Null(parsed.FullName);
        Assert.Null(parsed.DataDirectory);
    }

    [Fact]
    public void No_arguments_is_no_recipients() => Assert.Empty(Parse().Recipients);

    [Fact]
    public void Dash_t_takes_recipients_from_the_headers()
    {
        var parsed = Parse("-t");
        Assert.True(parsed.ExtractRecipients);
        Assert.Empty(parsed.Recipients);
    }

    [Theory]
    [InlineData("-i")]
    [InlineData("-oi")]
    public void Dash_i_and_dash_oi_make_a_lone_dot_content(string option) =>
        Assert.True(Parse(option).IgnoreDots);

    [Theory]
    [InlineData("-f", "root@example.org")]
    [InlineData("-r", "root@example.org")]
    [InlineData("-f", "<>")]
    public void Dash_f_and_dash_r_take_the_sender_as_the_next_argument(string option, string sender)
    {
        var parsed = Parse(option, sender, "alice@example.org");
        Assert.Equal(sender, parsed.Sender);
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }

    [Theory]
    [InlineData("-froot@example.org")]
    [InlineData("-rroot@example.org")]
    public void The_sender_may_be_attached_to_its_option(string argument)
    {
        var parsed = Parse(argument, "alice@example.org");
        Assert.Equal("root@example.org", parsed.Sender);
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }

    [Fact]
    public void Dash_capital_f_is_the_full_name_separate_or_attached()
    {
        Assert.Equal("Alice Example", Parse("-F", "Alice Example").FullName);
        Assert.Equal("Cron Daemon", Parse("-FCron Daemon").FullName);
    }

    [Theory]
    [InlineData("-f", "option -f needs a value")]
    [InlineData("-r", "option -r needs a value")]
    [InlineData("-F", "option -F needs a value")]
    [InlineData("--data", "option --data needs a value")]
    [InlineData("-N", "option -N needs a value")]
    public void An_option_without_its_value_is_an_error(string option, string message) =>
        Assert.Equal(message, Error("alice@example.org", option));

    [Fact]
    public void Dash_bp_lists_the_queue() => Assert.True(Parse("-bp").ListQueue);

    [Theory]
    [InlineData("-bm")]
    [InlineData("-bs")]
    public void Delivery_modes_that_mean_read_a_message_are_accepted(string option)
    {
        var parsed = Parse(option, "alice@example.org");
        Assert.False(parsed.ListQueue);
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }

    [Theory]
    [InlineData("-bd")]
    [InlineData("-bi")]
    [InlineData("-bv")]
    public void Other_modes_are_not_supported(string option) =>
        Assert.Equal($"option {option} is not supported", Error(option));

    [Theory]
    [InlineData("-odi")]
    [InlineData("-odb")]
    [InlineData("-oem")]
    [InlineData("-oQ/var/spool")]
    [InlineData("-v")]
    [InlineData("-n")]
    [InlineData("-m")]
    [InlineData("-U")]
    [InlineData("-q")]
    [InlineData("-B8BITMIME")]
    [InlineData("-NNEVER")]
    [InlineData("-Rhdrs")]
    [InlineData("-Venvid")]
    [InlineData("-X/tmp/log")]
    [InlineData("-Llabel")]
    [InlineData("-OQueueDirectory=/tmp")]
    [InlineData("-C/etc/mail/sendmail.cf")]
    [InlineData("-h10")]
    public void Compatibility_options_are_accepted_and_ignored(string option)
    {
        var parsed = Parse(option, "alice@example.org");
        Assert.Equal(["alice@example.org"], parsed.Recipients);
        Assert.False(parsed.IgnoreDots);
        Assert.False(parsed.ExtractRecipients);
        Assert.Null(parsed.Sender);
    }

    [Theory]
    [InlineData("-B", "8BITMIME")]
    [InlineData("-N", "never")]
    [InlineData("-R", "hdrs")]
    [InlineData("-V", "envid")]
    [InlineData("-X", "/tmp/log")]
    [InlineData("-L", "label")]
    [InlineData("-O", "QueueDirectory=/tmp")]
    [InlineData("-C", "/etc/mail/sendmail.cf")]
    public void An_ignored_option_s_separate_value_is_not_a_recipient(string option, string value)
    {
        var parsed = Parse(option, value, "alice@example.org");
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }

    [Theory]
    [InlineData("-z")]
    [InlineData("-tx")]
    [InlineData("-ix")]
    [InlineData("-bx")]
    [InlineData("-G")]
    [InlineData("--verbose")]
    public void An_unknown_option_is_an_error_that_names_it(string option)
    {
        string error = Error("alice@example.org", option);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Everything_after_a_double_dash_is_a_recipient()
    {
        var parsed = Parse("-t", "--", "-odd@example.org", "-t", "bob@example.org");
        Assert.True(parsed.ExtractRecipients);
        Assert.Equal(["-odd@example.org", "-t", "bob@example.org"], parsed.Recipients);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Help_is_asked_for(string option) => Assert.True(Parse(option).ShowHelp);

    [Theory]
    [InlineData("--data", "/srv/carrier")]
    [InlineData("-d", "/srv/carrier")]
    public void The_data_directory_is_taken_from_the_next_argument(string option, string directory) =>
        Assert.Equal(directory, Parse(option, directory, "alice@example.org").DataDirectory);

    [Fact]
    public void The_data_directory_may_be_attached_with_an_equals_sign() =>
        Assert.Equal("/srv/carrier", Parse("--data=/srv/carrier").DataDirectory);

    [Fact]
    public void A_typical_mail_program_command_line()
    {
        var parsed = Parse("-oi", "-f", "root@example.org", "-F", "Cron Daemon", "-t", "--", "alice@example.org");
        Assert.True(parsed.IgnoreDots);
        Assert.True(parsed.ExtractRecipients);
        Assert.Equal("root@example.org", parsed.Sender);
        Assert.Equal("Cron Daemon", parsed.FullName);
        Assert.Equal(["alice@example.org"], parsed.Recipients);
    }
}
