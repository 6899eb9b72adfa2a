using System.Net;

namespace Carrier.Net.Connections;

/// <summary>
/// Counts open connections in total and per client address, so that one client cannot take every slot.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly int _maxTotal;
    private readonly int _maxPerAddress;
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _gate = new();
    private int _total;

    public ConnectionLimiter(int maxTotal, int maxPerAddress)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        _maxTotal = maxTotal;
        _maxPerAddress = maxPerAddress;
    }

    public int Total
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    public ConnectionAdmission TryAcquire(IPAddress address)
    {
        address = Normalize(address);
        lock (_gate)
        {
            if (_total >= _maxTotal)
            {
                return ConnectionAdmission.TooManyConnections;
            }

            _perAddress.TryGetValue(address, out int count);
            if (count >= _maxPerAddress)
            {
                return ConnectionAdmission.TooManyFromAddress;
            }

            _perAddress[address] = count + 1;
            _total++;
            return ConnectionAdmission.Admitted;
        }
    }

    public void Release(IPAddress address)
    {
        address = Normalize(address);
        lock (_gate)
        {
            if (_perAddress.TryGetValue(address, out int count))
            {
                if (count <= 1)
                {
                    _perAddress.Remove(address);
                }
                else
                {
                    _perAddress[address] = count - 1;
                }

                _total--;
            }
        }
    }

    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; count them as the IPv4 address they are.
    private static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

public enum ConnectionAdmission
{
    Admitted,
    TooManyConnections,
    TooManyFromAddress,
}
