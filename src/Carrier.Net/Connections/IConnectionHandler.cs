namespace Carrier.Net.Connections;

/// <summary>A protocol's session entry point; the listener owns the connection's lifetime.</summary>
public interface IConnectionHandler
{
    /// <summary>Runs the session until it ends; must not throw for anything a client sends.</summary>
    Task HandleAsync(Connection connection);
}
