using System.Net;
using System.Net.Sockets;

namespace Carrier.IntegrationTests.Lab;

/// <summary>Waiting for a server in the lab to listen.</summary>
public static class LabPorts
{
    /// <param name="failure">Returns a reason to stop waiting (the server exited), or null to go on.</param>
    public static async Task WaitUntilListeningAsync(IPEndPoint endpoint, Func<string?> failure, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            using (var client = new TcpClient())
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await client.ConnectAsync(endpoint, cts.Token);
                    return;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
            }

            if (failure() is { } reason)
            {
                throw new InvalidOperationException($"the server on {endpoint} stopped: {reason}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"nothing listens on {endpoint}");
            }

            await Task.Delay(100);
        }
    }
}
