using Microsoft.Extensions.Logging;

namespace Carrier.Smtp.Server;

public sealed partial class SmtpSession
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "connect from {Client}")]
    private partial void LogConnect(string client);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "disconnect from {Client} {Counters}")]
    private partial void LogDisconnect(string client, string counters);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "{QueueId}: client={Client}")]
    private partial void LogClient(string queueId, string client);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "NOQUEUE: reject: {Stage} from {Client}: {Reply}; from=<{Sender}> to=<{Recipient}> helo=<{Helo}>")]
    private partial void LogReject(string stage, string client, string reply, string sender, string recipient, string helo);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "timeout after {Stage} from {Client}")]
    private partial void LogTimeoutCore(string stage, string client);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "lost connection after {Stage} from {Client}")]
    private partial void LogLostConnectionCore(string stage, string client);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "too many errors ({Errors}) from {Client}, closing")]
    private partial void LogTooManyErrorsCore(int errors, string client);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "too many messages ({Messages}) in one session from {Client}, closing")]
    private partial void LogTooManyMessagesCore(int messages, string client);

    private void LogTooManyMessages(string client, int messages) => LogTooManyMessagesCore(messages, client);

    private void LogTimeout(string client, string stage) => LogTimeoutCore(stage.ToUpperInvariant(), client);

    private void LogLostConnection(string client, string stage) => LogLostConnectionCore(stage.ToUpperInvariant(), client);

    private void LogTooManyErrors(string client, int errors) => LogTooManyErrorsCore(errors, client);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "{Client}: authenticated as {User}")]
    private partial void LogAuthenticated(string client, string user);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "{Client}: authentication failed for user {User}")]
    private partial void LogAuthFailed(string client, string user);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "{Client}: authentication exchange refused: {Reason}")]
    private partial void LogSaslFailed(string client, string reason);
}
