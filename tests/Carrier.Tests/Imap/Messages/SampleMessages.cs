using System.Text;

namespace Carrier.Tests.Imap.Messages;

/// <summary>Messages of known shape whose parts the tests can measure by hand.</summary>
internal static class SampleMessages
{
    public const string PlainBody = "Hello Bob,\r\nsee you at noon.\r\n";

    public static readonly string Plain =
        "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n" +
        "From: Alice Example <alice@example.org>\r\n" +
        "To: bob@local.test, \"Carol C.\" <carol@local.test>\r\n" +
        "Subject: =?utf-8?q?Caf=C3=A9?= plans\r\n" +
        "Message-ID: <m1@example.org>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        PlainBody;

    public const string TextPart = "Plain text\r\nwith two lines";
    public const string Attachment = "SGVsbG8gYXR0YWNobWVudA==";
    public const string InnerBody = "inner body\r\n";
    public const string InnerMessage = "From: inner@example.org\r\nSubject: inner\r\n\r\n" + InnerBody;

    public static readonly string Mixed =
        "From: alice@example.org\r\n" +
        "Subject: mixed\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"XX\"\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--XX\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        TextPart + "\r\n" +
        "--XX\r\n" +
        "Content-Type: application/octet-stream; name=\"hello.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=\"hello.bin\"\r\n" +
        "\r\n" +
        Attachment + "\r\n" +
        "--XX\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        InnerMessage + "\r\n" +
        "--XX--\r\n";

    public static byte[] Bytes(string message) => Encoding.UTF8.GetBytes(message);

    public static MemoryStream Stream(string message) => new(Bytes(message));
}
