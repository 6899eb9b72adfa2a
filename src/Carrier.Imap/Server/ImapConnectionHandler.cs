using Carrier.Directory;
using Carrier.Net.Connections;
using Carrier.Store.Blobs;
using Carrier.Store.Mailboxes;
using Microsoft.Extensions.Logging;

namespace Carrier.Imap.Server;

/// <summary>Runs an <see cref="ImapSession"/> for each accepted connection.</summary>
public sealed class ImapConnectionHandler : IConnectionHandler
{
    private readonly ImapServerOptions _options;
    private readonly MailDirectory _directory;
    private readonly IMailboxStore _mailboxes;
    private readonly IBlobStore _blobs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecentMessages _recent;
    private readonly SharedMessageLists _lists = new();
    private readonly MessageHeaderCache _headers = new();

    public ImapConnectionHandler(ImapServerOptions options, MailDirectory directory, IMailboxStore mailboxes, IBlobStore blobs, TimeProvider time, ILogger logger)
    {
        _options = options;
        _directory = directory;
        _mailboxes = mailboxes;
        _blobs = blobs;
        _time = time;
        _logger = logger;
        _recent = new RecentMessages(time.GetUtcNow());
    }

    public Task HandleAsync(Connection connection) =>
        new ImapSession(connection, _options, _directory, _mailboxes, _blobs, _lists, _headers, _time, _logger, _recent).RunAsync();
}
