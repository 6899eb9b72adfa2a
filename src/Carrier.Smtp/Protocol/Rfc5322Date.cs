using System.Globalization;

namespace Carrier.Smtp.Protocol;

/// <summary>The RFC 5322 §3.3 date-time form used in Received: and Date: headers.</summary>
public static class Rfc5322Date
{
    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{value:ddd, d MMM yyyy HH:mm:ss} {sign}{offset.Hours:00}{offset.Minutes:00}");
    }
}
