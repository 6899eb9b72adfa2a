using System.Net;
using Carrier.Net.Connections;
using Carrier.Routing.Blocklists;
using Microsoft.Extensions.Logging;

namespace Carrier.Server.Screening;

/// <summary>
/// Keeps each client's DNS blocklist verdict for the answers' TTL, and lets sessions of one client share a
/// lookup in progress. A lookup is started when the client connects and awaited at its first RCPT.
/// </summary>
public sealed partial class BlocklistCache
{
    private const int MaxClients = 10_000;
    private static readonly TimeSpan ShortestKeep = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestKeep = TimeSpan.FromHours(1);

    // A failed lookup is asked again soon, not for a whole TTL: the failure may pass.
    private static readonly TimeSpan FailureKeep = TimeSpan.FromMinutes(1);

    private readonly DnsBlocklist _blocklist;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ExpiringTable<IPAddress, Task<BlocklistVerdict>> _verdicts = new(MaxClients);
    private readonly Lock _gate = new();

    public BlocklistCache(DnsBlocklist blocklist, TimeProvider time, ILogger logger)
    {
        _blocklist = blocklist;
        _time = time;
        _logger = logger;
    }

    /// <summary>The verdict for <paramref name="client"/>, from the cache or from DNS.</summary>
    public Task<BlocklistVerdict> CheckAsync(IPAddress client, CancellationToken cancellationToken)
    {
        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        Task<BlocklistVerdict> verdict;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_verdicts.TryGet(client, now, out verdict!))
            {
                // Not tied to one session's cancellation: other sessions of the client may be waiting for it.
                verdict = Task.Run(() => LookUpAsync(client));
                _verdicts.Set(client, verdict, now + LongestKeep, now);
            }
        }

        return verdict.WaitAsync(cancellationToken);
    }

    private async Task<BlocklistVerdict> LookUpAsync(IPAddress client)
    {
        BlocklistVerdict verdict;
        try
        {
            verdict = await _blocklist.CheckAsync(client, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The resolver maps DNS errors to answers; anything else it throws still must not turn into a refusal.
            verdict = new BlocklistVerdict(null, null, [e.Message], FailureKeep);
        }

        foreach (string failure in verdict.Failures)
        {
            LogLookupFailed(client.ToString(), failure);
        }

        if (verdict.IsListed)
        {
            LogListed(client.ToString(), verdict.ListedBy!, verdict.Code!.ToString());
        }

        var keep = verdict.Failures.Count > 0 && !verdict.IsListed
            ? FailureKeep
            : TimeSpan.FromTicks(Math.Clamp(verdict.TimeToLive.Ticks, ShortestKeep.Ticks, LongestKeep.Ticks));
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _verdicts.Set(client, Task.FromResult(verdict), now + keep, now);
        }

        return verdict;
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "DNSBL lookup for [{Client}] failed, accepting (fail open): {Failure}")]
    private partial void LogLookupFailed(string client, string failure);

    [LoggerMessage(EventId = 221, Level = LogLevel.Information, Message = "client [{Client}] is listed by {Zone} ({Code})")]
    private partial void LogListed(string client, string zone, string code);
}
