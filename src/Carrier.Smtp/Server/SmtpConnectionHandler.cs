using Carrier.Net.Connections;
using Microsoft.Extensions.Logging;

namespace Carrier.Smtp.Server;

/// <summary>Runs an <see cref="SmtpSession"/> for each connection a listener accepts.</summary>
public sealed class SmtpConnectionHandler : IConnectionHandler
{
    private readonly SmtpServerOptions _options;
    private readonly IRecipientPolicy _policy;
    private readonly IMessageSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SmtpConnectionHandler(SmtpServerOptions options, IRecipientPolicy policy, IMessageSink sink, TimeProvider time, ILogger logger)
    {
        _options = options;
        _policy = policy;
        _sink = sink;
        _time = time;
        _logger = logger;
    }

    public Task HandleAsync(Connection connection) =>
        new SmtpSession(connection, _options, _policy, _sink, _time, _logger).RunAsync();
}
