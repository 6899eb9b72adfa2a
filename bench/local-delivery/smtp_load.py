"""An asyncio SMTP load client: C concurrent clients share N messages, each message one transaction,
each connection at most 100 messages (like a busy MTA that reconnects).

For every message it records when MAIL FROM was sent and when the 250 after DATA arrived (monotonic and
wall clock), so that the time until the message is in the mailbox can be computed against the mailbox's
own timestamps. Bounded: N messages, and an overall deadline after which the run is abandoned.
"""

import asyncio
import time

LINE_LIMIT = 4096


class SmtpError(Exception):
    pass


def make_message(run, number, recipient, size):
    """A plain RFC 5322 message of about `size` octets that carries its number in X-Bench-Id."""
    header = (
        f"From: Load Client <load@client.test>\r\n"
        f"To: <{recipient}>\r\n"
        f"Subject: benchmark message {number}\r\n"
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
        f"Message-ID: <{run}.{number}@client.test>\r\n"
        f"X-Bench-Id: {run}-{number}\r\n"
        f"MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    )
    line = "The quick brown fox jumps over the lazy dog, and the mail goes through. 0123\r\n"
    body_lines = max(1, (size - len(header)) // len(line))
    return (header + line * body_lines).encode("ascii") + b".\r\n"


async def read_reply(reader):
    """Reads one (possibly multi-line) reply; returns (code, text)."""
    lines = []
    while True:
        line = await reader.readuntil(b"\r\n")
        if len(line) > LINE_LIMIT:
            raise SmtpError("reply line too long")
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
        if len(lines) > 100:
            raise SmtpError("reply too long")
    code = int(lines[-1][:3])
    return code, "\n".join(lines)


async def expect(reader, wanted):
    code, text = await read_reply(reader)
    if code != wanted:
        raise SmtpError(f"expected {wanted}, got: {text}")
    return text


class Load:
    def __init__(self, port, run, messages, clients, size, recipients, per_connection):
        self.port = port
        self.per_connection = per_connection
        self.run = run
        self.messages = messages
        self.clients = clients
        self.size = size
        self.recipients = recipients
        self.next_number = 0
        self.results = {}
        self.errors = []

    def take(self):
        if self.next_number >= self.messages:
            return None
        number = self.next_number
        self.next_number += 1
        return number

    async def client(self):
        while self.next_number < self.messages:
            await self.session()

    async def session(self):
        """One connection that sends up to `per_connection` messages (servers cap messages per session)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=LINE_LIMIT * 4)
        try:
            await expect(reader, 220)
            writer.write(b"EHLO load.client.test\r\n")
            await expect(reader, 250)
            for _ in range(self.per_connection):
                if (number := self.take()) is None:
                    break
                recipient = self.recipients[number % len(self.recipients)]
                content = make_message(self.run, number, recipient, self.size)
                started_wall, started = time.time(), time.monotonic()
                writer.write(b"MAIL FROM:<load@client.test>\r\n")
                await expect(reader, 250)
                writer.write(f"RCPT TO:<{recipient}>\r\n".encode("ascii"))
                await expect(reader, 250)
                writer.write(b"DATA\r\n")
                await expect(reader, 354)
                writer.write(content)
                await expect(reader, 250)
                self.results[number] = (started_wall, time.monotonic() - started)
            writer.write(b"QUIT\r\n")
            await read_reply(reader)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass

    async def run_all(self, deadline):
        tasks = [asyncio.create_task(self.client()) for _ in range(self.clients)]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                self.errors.append(repr(task.exception()))
        if pending:
            self.errors.append(f"{len(pending)} clients still running after {deadline} s; abandoned")


def send(port, run, messages, clients, size, recipients, deadline, per_connection=100):
    """Runs the load; returns {number: (wall time of MAIL FROM, seconds until 250)} and the errors."""
    load = Load(port, run, messages, clients, size, recipients, per_connection)
    asyncio.run(load.run_all(deadline))
    return load.results, load.errors
