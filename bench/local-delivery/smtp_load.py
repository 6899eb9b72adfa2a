"""An asyncio SMTP load client: C concurrent clients share N messages, each message one transaction,
each connection at most 100 messages (like a busy MTA that reconnects).

For every message it records when MAIL FROM was sent and when the 250 after DATA arrived (monotonic and
wall clock), so that the time until the message is in the mailbox can be computed against the mailbox's
own timestamps. Bounded: N messages, and an overall deadline after which the run is abandoned.
"""

import asyncio
import time

from smtp_wire import LINE_LIMIT, expect, read_reply, text_message


def make_message(run, number, recipient, size):
    """A plain RFC 5322 message of about `size` octets that carries its number in X-Bench-Id."""
    return text_message([
        "From: Load Client <load@client.test>",
        f"To: <{recipient}>",
        f"Subject: benchmark message {number}",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}",
        f"Message-ID: <{run}.{number}@client.test>",
        f"X-Bench-Id: {run}-{number}",
    ], size)


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
