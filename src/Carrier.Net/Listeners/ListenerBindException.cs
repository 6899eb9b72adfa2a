using System.Net.Sockets;

namespace Carrier.Net.Listeners;

/// <summary>A listen address could not be bound; the message names the configuration key and a fix.</summary>
public sealed class ListenerBindException : Exception
{
    public ListenerBindException(string configurationKey, ListenEndpoint endpoint, SocketException inner)
        : base(Describe(configurationKey, endpoint, inner), inner)
    {
        ConfigurationKey = configurationKey;
        Endpoint = endpoint;
    }

    public string ConfigurationKey { get; }

    public ListenEndpoint Endpoint { get; }

    private static string Describe(string key, ListenEndpoint endpoint, SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AccessDenied =>
            $"{key}: cannot listen on {endpoint}: permission denied. Ports below 1024 need root or CAP_NET_BIND_SERVICE; run as root or choose a port such as {endpoint.Address}:2525.",
        SocketError.AddressAlreadyInUse =>
            $"{key}: cannot listen on {endpoint}: the address is already in use by another program (is another mail server running?). Stop it or choose another port.",
        SocketError.AddressNotAvailable =>
            $"{key}: cannot listen on {endpoint}: no network interface has that address. Use 0.0.0.0, 127.0.0.1 or an address of this machine.",
        _ => $"{key}: cannot listen on {endpoint}: {e.Message}.",
    };
}
