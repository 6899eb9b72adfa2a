using Carrier.Directory;
using Carrier.Net.Connections;
using Carrier.Store.Mailboxes;
using Microsoft.Extensions.Logging;

namespace Carrier.Pop3.Server;

/// <summary>Runs a <see cref="Pop3Session"/> for each accepted connection.</summary>
public sealed class Pop3ConnectionHandler : IConnectionHandler
{
    private readonly Pop3ServerOptions _options;
    private readonly MailDirectory _directory;
    private readonly IMailboxStore _mailboxes;
    private readonly MaildropLocks _locks = new();
    private readonly ILogger _logger;

    public Pop3ConnectionHandler(Pop3ServerOptions options, MailDirectory directory, IMailboxStore mailboxes, ILogger logger)
    {
        _options = options;
        _directory = directory;
        _mailboxes = mailboxes;
        _logger = logger;
    }

    public Task HandleAsync(Connection connection) =>
        new Pop3Session(connection, _options, _directory, _mailboxes, _locks, _logger).RunAsync();
}
