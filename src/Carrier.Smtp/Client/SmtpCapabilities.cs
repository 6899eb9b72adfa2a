using System.Globalization;
using Carrier.Smtp.Protocol;

namespace Carrier.Smtp.Client;

/// <summary>What a server announced in its EHLO reply.</summary>
public sealed record SmtpCapabilities
{
    public static readonly SmtpCapabilities None = new();

    public bool Extended { get; init; }

    public bool Pipelining { get; init; }

    /// <summary>RFC 1870 SIZE: the announced limit, 0 when announced without one, null when not announced.</summary>
    public long? MaxSize { get; init; }

    public bool EightBitMime { get; init; }

    public bool SmtpUtf8 { get; init; }

    public bool Dsn { get; init; }

    public bool Chunking { get; init; }

    public bool StartTls { get; init; }

    public bool EnhancedStatusCodes { get; init; }

    public static SmtpCapabilities FromEhlo(SmtpReply reply)
    {
        var capabilities = new SmtpCapabilities { Extended = true };
        foreach (string line in reply.Lines.Skip(1))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            capabilities = words[0].ToUpperInvariant() switch
            {
                "PIPELINING" => capabilities with { Pipelining = true },
                "SIZE" => capabilities with { MaxSize = words.Length > 1 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? size : 0 },
                "8BITMIME" => capabilities with { EightBitMime = true },
                "SMTPUTF8" => capabilities with { SmtpUtf8 = true },
                "DSN" => capabilities with { Dsn = true },
                "CHUNKING" => capabilities with { Chunking = true },
                "STARTTLS" => capabilities with { StartTls = true },
                "ENHANCEDSTATUSCODES" => capabilities with { EnhancedStatusCodes = true },
                _ => capabilities,
            };
        }

        return capabilities;
    }
}
