namespace Carrier.Smtp.Protocol;

/// <summary>
/// A mailbox from a MAIL or RCPT path (RFC 5321 §4.1.2): local part and domain as the client wrote
/// them, except that a quoted local part that needs no quotes is unquoted and the domain is lower-cased.
/// </summary>
/// <param name="LocalPart">Dot-string, or a quoted string kept with its quotes when it needs them.</param>
/// <param name="Domain">A domain or an address literal such as <c>[192.0.2.1]</c>; empty only for the bare <c>&lt;Postmaster&gt;</c> recipient.</param>
public sealed record SmtpPath(string LocalPart, string Domain)
{
    /// <summary>True when local part and domain are ASCII; otherwise the transaction needs SMTPUTF8.</summary>
    public bool IsAscii => System.Text.Ascii.IsValid(LocalPart) && System.Text.Ascii.IsValid(Domain);

    /// <summary>True for RFC 5321 §4.1.1.3's <c>RCPT TO:&lt;Postmaster&gt;</c> without a domain.</summary>
    public bool IsBarePostmaster => Domain.Length == 0;

    public bool IsAddressLiteral => Domain.StartsWith('[');

    public string Address => Domain.Length == 0 ? LocalPart : $"{LocalPart}@{Domain}";

    public override string ToString() => Address;
}
