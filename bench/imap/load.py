"""The IMAP workloads: import by APPEND, a mixed load of concurrent clients, and many idle connections.

Only IMAP4rev1 commands every server has (RFC 3501/9051 base, IDLE from RFC 2177). Every loop is bounded
in count and in time.
"""

import asyncio
import imaplib
import random
import threading
import time
from datetime import datetime, timezone

import benchlib
import corpus

HEADER_FIELDS = "(UID FLAGS ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])"
SEARCHES = [
    ("SUBJECT", '"report"'), ("UNSEEN",), ("FROM", '"example.org"'), ("SINCE", "1-Mar-2026"),
    ("FLAGGED",), ("OR", "SUBJECT", '"meeting"', "SUBJECT", '"invoice"'), ("HEADER", "List-Id", '"dev"'),
]
# Relative weights: mostly reading, as mail clients do.
MIX = [("fetch_headers", 30), ("fetch_body", 25), ("store", 15), ("search", 12), ("append", 9), ("expunge", 9)]


def connect(target, timeout=30):
    connection = imaplib.IMAP4(target.host, target.port, timeout=timeout)
    return connection


def check(result, what):
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data}")
    return data


def import_corpus(target, messages, deadline):
    """APPENDs every message to INBOX over one connection; returns messages/s."""
    connection = connect(target)
    check(connection.login(target.user, target.password), "LOGIN")
    started = time.monotonic()
    for number, (date, content) in enumerate(messages):
        if time.monotonic() - started > deadline:
            raise RuntimeError(f"import stopped after {deadline} s at message {number}")
        check(connection.append("INBOX", None, imaplib.Time2Internaldate(date), content), "APPEND")
    elapsed = time.monotonic() - started
    check(connection.select("INBOX"), "SELECT")
    connection.logout()
    return len(messages) / elapsed


class LoadClient(threading.Thread):
    """One simulated mail client: sessions of LOGIN, SELECT and a random mix of operations, then LOGOUT."""

    def __init__(self, target, number, originals, operations, session_length, stop_at):
        super().__init__(daemon=True)
        self.target = target
        self.rng = random.Random(1000 + number)
        self.number = number
        self.originals = originals
        self.operations = operations
        self.session_length = session_length
        self.stop_at = stop_at
        self.latencies = {}
        self.errors = []
        self.appended = []
        self.done = 0

    def timed(self, name, action):
        started = time.monotonic()
        result = action()
        self.latencies.setdefault(name, []).append(time.monotonic() - started)
        self.done += 1
        return result

    def run(self):
        try:
            while self.done < self.operations and time.monotonic() < self.stop_at:
                self.session()
        except Exception as error:  # reported with the results, never hidden
            self.errors.append(repr(error))

    def session(self):
        connection = self.timed("login", lambda: self._login())
        self.timed("select", lambda: check(connection.select("INBOX"), "SELECT"))
        names, weights = zip(*MIX)
        for _ in range(self.session_length):
            if self.done >= self.operations or time.monotonic() >= self.stop_at:
                break
            operation = self.rng.choices(names, weights)[0]
            self.timed(operation, lambda: getattr(self, operation)(connection))
        connection.logout()

    def _login(self):
        connection = connect(self.target)
        check(connection.login(self.target.user, self.target.password), "LOGIN")
        return connection

    def _sequence(self, span=1):
        first = self.rng.randint(1, max(1, self.originals - span + 1))
        return f"{first}:{first + span - 1}" if span > 1 else str(first)

    def fetch_headers(self, connection):
        check(connection.fetch(self._sequence(20), HEADER_FIELDS), "FETCH headers")

    def fetch_body(self, connection):
        check(connection.fetch(self._sequence(), "(UID BODY.PEEK[])"), "FETCH body")

    def store(self, connection):
        flag, change = self.rng.choice([("\\Seen", "+FLAGS"), ("\\Seen", "-FLAGS"), ("\\Flagged", "+FLAGS"), ("\\Flagged", "-FLAGS")])
        check(connection.store(self._sequence(), change, f"({flag})"), "STORE")

    def search(self, connection):
        check(connection.search(None, *self.rng.choice(SEARCHES)), "SEARCH")

    def append(self, connection):
        number = 1_000_000 * (self.number + 1) + len(self.appended)
        date, content = corpus.make_message(self.rng, number, self.target.user, datetime.now(timezone.utc))
        check(connection.append("INBOX", None, imaplib.Time2Internaldate(date), content), "APPEND")
        self.appended.append(number)

    def expunge(self, connection):
        """Removes one message this client appended, so the mailbox keeps its size."""
        if not self.appended:
            return self.search(connection)
        number = self.appended.pop(0)
        found = check(connection.uid("SEARCH", "HEADER", "Message-ID", f'"corpus.{number}@"'), "UID SEARCH")
        uids = found[0].split() if found and found[0] else []
        if uids:
            check(connection.uid("STORE", b",".join(uids).decode(), "+FLAGS", "(\\Deleted)"), "UID STORE")
        check(connection.expunge(), "EXPUNGE")
        return None


def run_load(target, originals, clients, operations, duration, session_length, sample):
    """Runs `clients` threads for at most `operations` each and `duration` seconds; samples server memory."""
    stop_at = time.monotonic() + duration
    threads = [LoadClient(target, n, originals, operations, session_length, stop_at) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    peak = {"rss_kib": 0, "pss_kib": 0}
    while any(t.is_alive() for t in threads) and time.monotonic() < stop_at + 60:
        memory = sample()
        peak = {k: max(peak[k], memory[k]) for k in peak}
        time.sleep(0.5)
    for thread in threads:
        thread.join(timeout=1)
    elapsed = time.monotonic() - started
    latencies = {}
    for thread in threads:
        for name, values in thread.latencies.items():
            latencies.setdefault(name, []).extend(values)
    total = sum(len(v) for v in latencies.values())
    return {
        "clients": clients,
        "seconds": elapsed,
        "operations": total,
        "operations_per_s": total / elapsed,
        "per_operation": {name: {"count": len(values),
                                 "p50_ms": 1000 * benchlib.percentile(values, 0.5),
                                 "p99_ms": 1000 * benchlib.percentile(values, 0.99)}
                          for name, values in sorted(latencies.items())},
        "peak_rss_mib": peak["rss_kib"] / 1024,
        "peak_pss_mib": peak["pss_kib"] / 1024,
        "errors": [e for t in threads for e in t.errors],
    }


async def _command(reader, writer, tag, line, until_continuation=False):
    writer.write(f"{tag} {line}\r\n".encode())
    while True:
        response = await reader.readline()
        if not response:
            raise ConnectionError(f"closed during {line.split()[0]}")
        if until_continuation and response.startswith(b"+"):
            return
        if response.startswith(f"{tag} ".encode()):
            if not response.startswith(f"{tag} OK".encode()):
                raise ConnectionError(response.decode(errors="replace").strip())
            return


async def _open_idle(target, semaphore, timeout):
    async with semaphore:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(target.host, target.port), timeout)
        try:
            await asyncio.wait_for(reader.readline(), timeout)
            await asyncio.wait_for(_command(reader, writer, "a", f'LOGIN "{target.user}" "{target.password}"'), timeout)
            await asyncio.wait_for(_command(reader, writer, "b", "SELECT INBOX"), timeout)
            await asyncio.wait_for(_command(reader, writer, "c", "IDLE", until_continuation=True), timeout)
        except BaseException:
            writer.close()
            raise
        return reader, writer


async def _idle(target, count, sample, settle, deadline):
    before = sample()
    semaphore = asyncio.Semaphore(50)
    tasks = [asyncio.create_task(_open_idle(target, semaphore, 30)) for _ in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    connections = [t.result() for t in done if t.exception() is None]
    errors = [repr(t.exception()) for t in done if t.exception() is not None]
    await asyncio.sleep(settle)
    during = sample()
    for reader, writer in connections:
        writer.write(b"DONE\r\nd LOGOUT\r\n")
    await asyncio.sleep(1)
    for reader, writer in connections:
        writer.close()
    idle = len(connections)
    return {
        "requested": count,
        "idle": idle,
        "processes_before": before["processes"],
        "processes_during": during["processes"],
        "rss_mib_before": before["rss_kib"] / 1024,
        "rss_mib_during": during["rss_kib"] / 1024,
        "rss_kib_per_connection": (during["rss_kib"] - before["rss_kib"]) / idle if idle else None,
        "pss_kib_per_connection": (during["pss_kib"] - before["pss_kib"]) / idle if idle else None,
        "errors": errors[:5] + ([f"... {len(errors) - 5} more"] if len(errors) > 5 else []),
    }


def run_idle(target, count, sample, settle=3, deadline=300):
    """Opens `count` connections, each logged in with INBOX selected and in IDLE; memory before and during."""
    return asyncio.run(_idle(target, count, sample, settle, deadline))
