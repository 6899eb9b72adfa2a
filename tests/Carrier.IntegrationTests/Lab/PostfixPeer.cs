using System.Net;

namespace Carrier.IntegrationTests.Lab;

/// <summary>
/// A private, real Postfix inside the namespace: its own configuration, queue and data directories, listening
/// on one lab address. It delivers mail for its domain into a Maildir and relays mail for Carrier's domain to
/// Carrier, so the lab can test both directions.
/// </summary>
public sealed class PostfixPeer : IAsyncDisposable
{
    private const string Master = "/usr/lib/postfix/sbin/master";

    private readonly LabProcess _master;

    private PostfixPeer(LabProcess master, string directory)
    {
        _master = master;
        Directory = directory;
    }

    public string Directory { get; }

    public string Maildir => Path.Combine(Directory, "mail", "inbox");

    public string LogFile => Path.Combine(Directory, "maillog");

    /// <param name="relayDomain">A domain Postfix relays to <paramref name="relayTo"/> (<c>[host]:port</c>).</param>
    public static async Task<PostfixPeer> StartAsync(LabNetwork network, string hostname, string domain, IPAddress address, string relayDomain, string relayTo, string directory)
    {
        string etc = Path.Combine(directory, "etc");
        foreach (string sub in new[] { etc, Path.Combine(directory, "spool"), Path.Combine(directory, "data"), Path.Combine(directory, "mail") })
        {
            System.IO.Directory.CreateDirectory(sub);
        }

        // Postfix's unprivileged processes must reach the queue and write data and mailboxes.
        await LabProcess.RunAsync("chmod", ["755", directory, Path.Combine(directory, "spool")]);
        await LabProcess.RunAsync("chown", ["postfix:postfix", Path.Combine(directory, "data"), Path.Combine(directory, "mail")]);
        var (_, uid) = await LabProcess.RunAsync("id", ["-u", "postfix"]);
        var (_, gid) = await LabProcess.RunAsync("id", ["-g", "postfix"]);
        string transport = "inline:{ " + relayDomain + "=smtp:" + relayTo + " }";
        await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.6
            myhostname = {hostname}
            mydomain = {domain}
            myorigin = {domain}
            queue_directory = {directory}/spool
            data_directory = {directory}/data
            maillog_file = {directory}/maillog
            maillog_file_prefixes = {directory}
            inet_interfaces = {address}
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8 {network.Cidr}
            mydestination =
            alias_maps =
            alias_database =
            virtual_mailbox_domains = {domain}
            virtual_mailbox_base = {directory}/mail
            virtual_mailbox_maps = static:inbox/
            virtual_uid_maps = static:{uid.Trim()}
            virtual_gid_maps = static:{gid.Trim()}
            relay_domains = {relayDomain}
            transport_maps = {transport}
            smtp_tls_security_level = none
            smtpd_tls_security_level = none

            """);
        File.Copy("/etc/postfix/master.cf", Path.Combine(etc, "master.cf"), overwrite: true);
        // No chroot: the private queue directory has none of the files a chroot jail needs.
        await LabProcess.RunAsync("postconf", ["-c", etc, "-F", "*/*/chroot = n"]);
        // Postfix's unprivileged daemons read the configuration, whatever the umask the files were written with.
        await LabProcess.RunAsync("chmod", ["-R", "go+rX", etc]);
        await LabProcess.RunAsync("/usr/lib/postfix/sbin/post-install", [$"config_directory={etc}", "meta_directory=/etc/postfix", "create-missing"]);

        // The master in the foreground, as the leader of its own process group so that stopping it stops its children.
        var master = await LabProcess.StartAsync("postfix master", "ip", network.Inside("setsid", Master, "-c", etc, "-d"));
        var postfix = new PostfixPeer(master, directory);
        try
        {
            await LabPorts.WaitUntilListeningAsync(new IPEndPoint(address, 25), () => master.HasExited ? postfix.Log() : null);
            return postfix;
        }
        catch
        {
            await postfix.DisposeAsync();
            throw;
        }
    }

    /// <summary>Messages delivered into the Maildir so far.</summary>
    public IReadOnlyList<string> DeliveredMessages()
    {
        string fresh = Path.Combine(Maildir, "new");
        return System.IO.Directory.Exists(fresh)
            ? [.. System.IO.Directory.GetFiles(fresh).Order(StringComparer.Ordinal).Select(File.ReadAllText)]
            : [];
    }

    public async Task<IReadOnlyList<string>> WaitForDeliveredAsync(Func<string, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = DeliveredMessages().Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Postfix delivered {found.Count} of {count} matching messages. Log:\n{Log()}");
            }

            await Task.Delay(100);
        }
    }

    public string Log() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : _master.Output;

    public ValueTask DisposeAsync() => _master.DisposeAsync();
}
