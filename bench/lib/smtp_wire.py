"""What the asyncio SMTP load clients share: bounded reply reading and plain test messages.

Imported by bench/local-delivery/smtp_load.py and bench/submission/submission_load.py (their benchmark scripts
put bench/lib on sys.path first).
"""

LINE_LIMIT = 4096
MAX_REPLY_LINES = 100
FILLER_LINE = "The quick brown fox jumps over the lazy dog, and the mail goes through. 0123\r\n"


class SmtpError(Exception):
    pass


def text_message(fields, size):
    """A plain text/plain message with the given header fields, padded to about `size` octets, dot-terminated for DATA."""
    header = "".join(f"{field}\r\n" for field in fields)
    header += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    body_lines = max(1, (size - len(header)) // len(FILLER_LINE))
    return (header + FILLER_LINE * body_lines).encode("ascii") + b".\r\n"


async def read_reply(reader):
    """Reads one (possibly multi-line) reply, bounded in line length and count; returns (code, text)."""
    lines = []
    while True:
        line = await reader.readuntil(b"\r\n")
        if len(line) > LINE_LIMIT:
            raise SmtpError("reply line too long")
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
        if len(lines) > MAX_REPLY_LINES:
            raise SmtpError("reply too long")
    return int(lines[-1][:3]), "\n".join(lines)


async def expect(reader, wanted):
    """Reads a reply and raises SmtpError unless its code is `wanted`; returns its text."""
    code, text = await read_reply(reader)
    if code != wanted:
        raise SmtpError(f"expected {wanted}, got: {text}")
    return text
