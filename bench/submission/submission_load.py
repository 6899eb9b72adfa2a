"""An asyncio submission client: C concurrent clients open sessions until the run's count is used up.

Modes (one session = one TCP connection):
  submit     connect, EHLO, STARTTLS, EHLO, AUTH PLAIN, then K messages (MAIL, RCPT, DATA), QUIT
  starttls   connect, EHLO, STARTTLS, TLS handshake, QUIT
  implicit   connect with TLS at once (port 465 style), greeting, QUIT

Each TLS handshake is a full one (no session is resumed: every connection gets no session to offer). The
client records per session the time of its steps, and which TLS version and cipher were negotiated.
Bounded: a fixed number of sessions or messages, and an overall deadline after which the run is abandoned.
"""

import asyncio
import base64
import collections
import ssl
import time

from smtp_wire import LINE_LIMIT, expect, read_reply, text_message


def client_tls_context():
    """What a mail client does against a self-signed test server: TLS 1.2 or 1.3, no certificate check."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def make_message(sender, recipient, number, size):
    return text_message([
        f"From: <{sender}>",
        f"To: <{recipient}>",
        f"Subject: submission benchmark {number}",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}",
        f"Message-ID: <sub.{number}.{time.monotonic_ns()}@client.test>",
    ], size)


class Load:
    def __init__(self, mode, port, sessions, clients, per_session, user, password, size):
        self.mode = mode
        self.port = port
        self.sessions = sessions
        self.clients = clients
        self.per_session = per_session
        self.user = user
        self.password = password
        self.size = size
        self.started_sessions = 0
        self.context = client_tls_context()
        self.handshake = []      # seconds from STARTTLS (or connect) to the end of the TLS handshake
        self.login = []          # seconds from connect to 235 after AUTH
        self.message = []        # seconds from MAIL to the 250 after the data
        self.greeting = []       # seconds from the start of the connection to the 220 greeting
        self.closing = []        # seconds from QUIT until the connection is closed
        self.messages = 0
        self.negotiated = collections.Counter()
        self.errors = []

    def _note_tls(self, writer):
        tls = writer.get_extra_info("ssl_object")
        name, _, _ = tls.cipher()
        self.negotiated[f"{tls.version()} {name}"] += 1

    async def _client(self):
        while self.started_sessions < self.sessions:
            self.started_sessions += 1
            await self._session()

    async def _session(self):
        started = time.monotonic()
        if self.mode == "implicit":
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", self.port, ssl=self.context, limit=LINE_LIMIT * 4)
            self.handshake.append(time.monotonic() - started)
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=LINE_LIMIT * 4)
        try:
            await expect(reader, 220)
            self.greeting.append(time.monotonic() - started)
            if self.mode != "implicit":
                writer.write(b"EHLO load.client.test\r\n")
                await expect(reader, 250)
                starttls = time.monotonic()
                writer.write(b"STARTTLS\r\n")
                await expect(reader, 220)
                await writer.start_tls(self.context)
                self.handshake.append(time.monotonic() - starttls)
            self._note_tls(writer)
            if self.mode == "submit":
                await self._submit(reader, writer, started)
            quit_sent = time.monotonic()
            writer.write(b"QUIT\r\n")
            await read_reply(reader)
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ssl.SSLError):
                pass
        self.closing.append(time.monotonic() - quit_sent)

    async def _submit(self, reader, writer, started):
        writer.write(b"EHLO load.client.test\r\n")
        await expect(reader, 250)
        token = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode("ascii")
        writer.write(f"AUTH PLAIN {token}\r\n".encode("ascii"))
        await expect(reader, 235)
        self.login.append(time.monotonic() - started)
        for _ in range(self.per_session):
            content = make_message(self.user, self.user, self.messages, self.size)
            begun = time.monotonic()
            writer.write(f"MAIL FROM:<{self.user}>\r\n".encode("ascii"))
            await expect(reader, 250)
            writer.write(f"RCPT TO:<{self.user}>\r\n".encode("ascii"))
            await expect(reader, 250)
            writer.write(b"DATA\r\n")
            await expect(reader, 354)
            writer.write(content)
            await expect(reader, 250)
            self.message.append(time.monotonic() - begun)
            self.messages += 1

    async def run(self, deadline):
        tasks = [asyncio.create_task(self._client()) for _ in range(self.clients)]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        for task in done:
            if task.exception() is not None:
                self.errors.append(repr(task.exception()))
        if pending:
            self.errors.append(f"{len(pending)} clients still running after {deadline} s; abandoned")


def run(mode, port, sessions, clients, per_session, user, password, size, deadline):
    """Runs one load; returns the Load with its timings and the wall-clock seconds it took."""
    load = Load(mode, port, sessions, clients, per_session, user, password, size)
    started = time.monotonic()
    asyncio.run(load.run(deadline))
    return load, time.monotonic() - started
