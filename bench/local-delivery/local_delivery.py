#!/usr/bin/python3
"""SMTP inbound into local mailboxes: Carrier against Postfix, in the same run on the same machine.

Each server is a private instance on a loopback port with its own temporary directory. The same load
client sends the same messages to both: a short warm-up, then the measured run. For each message it
records the 250 latency and the time until the message is in the mailbox, taken from the mailbox's own
timestamp (Carrier: the message's INTERNALDATE, set by local delivery; Postfix: the Maildir file's mtime).
"""

import argparse
import json
import multiprocessing
import os
import re
import statistics
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import benchlib  # noqa: E402
from benchlib import log  # noqa: E402
import smtp_load  # noqa: E402

DOMAIN = "bench.test"
OBSERVER_INTERVAL = 0.005
BENCH_ID = re.compile(rb"^X-Bench-Id: (\S+)\r?$", re.MULTILINE)


class CarrierTarget:
    def __init__(self, workspace, dll, users, name="Carrier"):
        self.name = name
        self.data = workspace.path / "carrier"
        self.dll = dll
        self.users = users
        self.process = None
        self.port = benchlib.free_port()
        workspace.on_exit(self.stop)

    def _cli(self, *arguments, stdin=None):
        subprocess.run(["dotnet", str(self.dll), *arguments, "--data", str(self.data)],
                       input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, timeout=120)

    def start(self):
        self._cli("init", "--hostname", f"carrier.{DOMAIN}", "--domain", DOMAIN, "--listen", f"127.0.0.1:{self.port}")
        for user in self.users:
            self._cli("user", "add", user, "--password-stdin", stdin="bench-password\n")
        self.log = open(self.data / "serve.log", "w")
        self.process = subprocess.Popen(["dotnet", str(self.dll), "serve", "--data", str(self.data)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        benchlib.wait_for_port(self.port, 60, self.process)

    def version(self):
        source = self.dll.parents[5]
        result = subprocess.run(["git", "-C", str(source), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=False)
        return f"git {result.stdout.strip()}" if result.returncode == 0 else str(source)

    def _database(self):
        return sqlite3.connect(f"file:{self.data / 'carrier.db'}?mode=ro", uri=True, timeout=30)

    def delivered_count(self):
        with self._database() as db:
            return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]

    def observer(self):
        """A function that returns the bench ids of messages that entered a mailbox since its last call."""
        database = self._database()
        last = [0]
        # Schema 4 moved inline content to blob_contents; earlier stores keep it in blobs.data.
        split = database.execute("SELECT 1 FROM sqlite_master WHERE name = 'blob_contents'").fetchone()
        query = ("SELECT m.id, b.in_file, c.data, b.id FROM messages m JOIN blobs b ON b.id = m.blob_id "
                 "LEFT JOIN blob_contents c ON c.id = b.id WHERE m.id > ? ORDER BY m.id" if split else
                 "SELECT m.id, b.in_file, b.data, b.id FROM messages m JOIN blobs b ON b.id = m.blob_id "
                 "WHERE m.id > ? ORDER BY m.id")

        def poll():
            found = []
            rows = database.execute(query, (last[0],)).fetchall()
            for message_id, in_file, data, blob_id in rows:
                last[0] = message_id
                if in_file:
                    data = (self.data / "blobs" / blob_id[-2:] / blob_id).read_bytes()
                found.extend(m.group(1).decode() for m in [BENCH_ID.search(data[:4096])] if m)
            return found
        return poll

    def rss_kib(self):
        return benchlib.rss_kib([self.process.pid]) if self.process else 0

    def stop(self):
        if self.process is not None:
            benchlib.stop_pid(self.process.pid)
            self.process = None
            self.log.close()
            benchlib.keep_log(self.data / "serve.log", f"local-delivery-{self.name.lower().replace(' ', '-')}")


class PostfixTarget:
    name = "Postfix"

    def __init__(self, workspace, users):
        self.root = workspace.path / "postfix"
        self.users = users
        self.port = benchlib.free_port()
        self.master_pid = None
        workspace.on_exit(self.stop)

    def start(self):
        etc, spool, data, mail = (self.root / d for d in ("etc", "spool", "data", "mail"))
        for directory in (etc, spool, data, mail):
            directory.mkdir(parents=True)
        os.chmod(self.root, 0o755)
        subprocess.run(["cp", "/etc/postfix/master.cf", str(etc)], check=True)
        (etc / "main.cf").write_text(f"""\
compatibility_level = 3.6
queue_directory = {spool}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.{DOMAIN}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_base = {mail}
virtual_mailbox_maps = texthash:{etc}/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
maillog_file = {self.root}/maillog
maillog_file_prefixes = {self.root}
""")
        (etc / "vmailbox").write_text("".join(f"{u} {u.split('@')[0]}/\n" for u in self.users))
        subprocess.run(["chown", "nobody:nogroup", str(mail)], check=True)
        subprocess.run(["chown", "postfix", str(data)], check=True)
        postconf = ["postconf", "-c", str(etc)]
        subprocess.run([*postconf, "-F", "*/*/chroot=n"], check=True)
        subprocess.run([*postconf, "-M#", "smtp/inet"], check=True)
        subprocess.run([*postconf, "-Me", f"127.0.0.1:{self.port}/inet=127.0.0.1:{self.port} inet n - n - - smtpd"], check=True)
        subprocess.run([*postconf, "-Me", "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"], check=True)
        subprocess.run(["postfix", "-c", str(etc), "start"], check=True, timeout=60)
        self.master_pid = int((spool / "pid" / "master.pid").read_text().split()[0])
        benchlib.wait_for_port(self.port, 30)

    def version(self):
        return benchlib.package_version("postfix")

    def _maildirs(self):
        return [self.root / "mail" / u.split("@")[0] / "new" for u in self.users]

    def delivered_count(self):
        return sum(len(os.listdir(d)) for d in self._maildirs() if d.exists())

    def observer(self):
        """A function that returns the bench ids of messages that entered a mailbox since its last call."""
        seen = set()

        def poll():
            found = []
            for directory in self._maildirs():
                if not directory.exists():
                    continue
                for name in os.listdir(directory):
                    if name in seen:
                        continue
                    seen.add(name)
                    with open(directory / name, "rb") as message:
                        match = BENCH_ID.search(message.read(4096))
                    if match:
                        found.append(match.group(1).decode())
            return found
        return poll

    def rss_kib(self):
        return benchlib.rss_kib(benchlib.process_tree(self.master_pid)) if self.master_pid else 0

    def stop(self):
        if self.master_pid is not None:
            subprocess.run(["postfix", "-c", str(self.root / "etc"), "stop"], check=False, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            benchlib.stop_pid(self.master_pid)
            self.master_pid = None
            benchlib.keep_log(self.root / "maillog", "local-delivery-postfix")


def observe(target, expected, deadline, results):
    """Runs in its own process: notes the wall time each measured message is first seen in a mailbox."""
    poll = target.observer()
    seen = {}
    stop = time.monotonic() + deadline
    while len(seen) < expected and time.monotonic() < stop:
        now = time.time()
        for bench_id in poll():
            if bench_id.startswith("run-"):
                seen.setdefault(bench_id, now)
        time.sleep(OBSERVER_INTERVAL)
    results.send(seen)
    results.close()


def wait_delivered(target, expected, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.delivered_count() >= expected:
            return True
        time.sleep(0.2)
    return False


def measure(target, args):
    log(f"{target.name}: starting")
    target.start()
    recipients = target.users
    warm = max(1, args.messages // 20)
    _, errors = smtp_load.send(target.port, "warm", warm, args.clients, args.size, recipients, args.deadline)
    if errors or not wait_delivered(target, warm, args.deadline):
        raise SystemExit(f"{target.name}: warm-up failed: {errors}")
    log(f"{target.name}: warm-up of {warm} delivered; measuring {args.messages} messages from {args.clients} clients")
    receiving, sending = multiprocessing.Pipe(duplex=False)
    observer = multiprocessing.Process(target=observe, args=(target, args.messages, args.deadline, sending))
    observer.start()
    accepted, errors = smtp_load.send(target.port, "run", args.messages, args.clients, args.size, recipients, args.deadline)
    delivered = receiving.recv() if receiving.poll(args.deadline) else {}
    observer.join(10)
    rss = target.rss_kib()
    target.stop()
    if errors or len(delivered) != args.messages:
        raise SystemExit(f"{target.name}: {len(accepted)} accepted, {len(delivered)} delivered; errors: {errors}")

    started = min(start for start, _ in accepted.values())
    finished = max(delivered.values())
    in_mailbox = [delivered[f"run-{n}"] - start for n, (start, _) in accepted.items()]
    smtp = [latency for _, latency in accepted.values()]
    arrivals = sorted(delivered.values())
    quarter = len(arrivals) // 4
    return {
        "server": target.name,
        "version": target.version(),
        "messages": args.messages,
        "delivered_per_s": args.messages / (finished - started),
        "smtp_250_ms_p50": 1000 * benchlib.percentile(smtp, 0.50),
        "smtp_250_ms_p99": 1000 * benchlib.percentile(smtp, 0.99),
        "mailbox_ms_p50": 1000 * benchlib.percentile(in_mailbox, 0.50),
        "mailbox_ms_p99": 1000 * benchlib.percentile(in_mailbox, 0.99),
        "first_quarter_per_s": quarter / max(1e-6, arrivals[quarter - 1] - arrivals[0]),
        "last_quarter_per_s": quarter / max(1e-6, arrivals[-1] - arrivals[-quarter]),
        "rss_mib_after": rss / 1024,
    }


def medians(runs):
    """Per server, the median of each figure over the rounds, and the range of the throughput."""
    by_server = {}
    for run in runs:
        by_server.setdefault(run["server"], []).append(run)
    results = []
    for server, group in by_server.items():
        merged = dict(group[0])
        for key, value in group[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                merged[key] = statistics.median(r[key] for r in group)
        merged["rounds"] = len(group)
        merged["throughput_range"] = f"{min(r['delivered_per_s'] for r in group):.0f}–{max(r['delivered_per_s'] for r in group):.0f}"
        results.append(merged)
    return results


def report(results, args):
    columns = [
        ("server", "server", "{}"),
        ("delivered_per_s", "delivered msg/s", "{:.0f}"),
        ("throughput_range", "range", "{}"),
        ("smtp_250_ms_p50", "250 p50 ms", "{:.1f}"),
        ("smtp_250_ms_p99", "250 p99 ms", "{:.1f}"),
        ("mailbox_ms_p50", "in mailbox p50 ms", "{:.0f}"),
        ("mailbox_ms_p99", "in mailbox p99 ms", "{:.0f}"),
        ("first_quarter_per_s", "first ¼ msg/s", "{:.0f}"),
        ("last_quarter_per_s", "last ¼ msg/s", "{:.0f}"),
        ("rss_mib_after", "RSS MiB", "{:.0f}"),
    ]
    print()
    print(f"{args.messages} messages of ~{args.size} B, {args.clients} clients, {len(args.users_list)} mailboxes; "
          f"medians of {args.repeat} interleaved rounds")
    print("| " + " | ".join(title for _, title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for result in results:
        print("| " + " | ".join(fmt.format(result[key]) for key, _, fmt in columns) + " |")
    by_name = {r["server"]: r for r in results}
    for other in ("Postfix", "Carrier baseline"):
        if "Carrier" in by_name and other in by_name:
            c, p = by_name["Carrier"], by_name[other]
            print(f"\nCarrier/{other}: throughput {c['delivered_per_s'] / p['delivered_per_s']:.2f}x, "
                  f"250 p50 {c['smtp_250_ms_p50'] / p['smtp_250_ms_p50']:.2f}x, "
                  f"in-mailbox p50 {c['mailbox_ms_p50'] / p['mailbox_ms_p50']:.2f}x, "
                  f"in-mailbox p99 {c['mailbox_ms_p99'] / p['mailbox_ms_p99']:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000, help="messages in the measured run (default 2000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent SMTP connections (default 8)")
    parser.add_argument("--size", type=int, default=4096, help="approximate message size in octets (default 4096)")
    parser.add_argument("--users", type=int, default=4, help="mailboxes the messages are spread over (default 4)")
    parser.add_argument("--servers", default="carrier,postfix",
                        help="which servers, comma-separated: carrier, postfix, baseline (needs --baseline-dll)")
    parser.add_argument("--baseline-dll", type=Path,
                        help="another build's carrier.dll, measured as 'Carrier baseline' (before/after comparisons)")
    parser.add_argument("--deadline", type=float, default=600, help="seconds each phase may take at most")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds; figures are medians (default 1)")
    parser.add_argument("--no-build", action="store_true", help="use the existing Release build of Carrier")
    args = parser.parse_args()
    if not (1 <= args.messages <= 100_000 and 1 <= args.clients <= 200 and 64 <= args.size <= 10_000_000
            and 1 <= args.repeat <= 20):
        parser.error("messages 1..100000, clients 1..200, size 64..10000000, repeat 1..20")
    args.users_list = [f"user{i}@{DOMAIN}" for i in range(1, args.users + 1)]
    servers = args.servers.split(",")

    if "postfix" in servers:
        benchlib.apt_install(["postfix"])
    dll = benchlib.carrier_dll(build=not args.no_build) if "carrier" in servers else None
    runs = []
    # Rounds interleave the servers, so that a change in the machine's load hits each of them alike.
    for round_number in range(1, args.repeat + 1):
        for server in servers:
            with benchlib.Workspace(f"smtp-{server}") as workspace:
                if server == "carrier":
                    target = CarrierTarget(workspace, dll, args.users_list)
                elif server == "baseline":
                    target = CarrierTarget(workspace, args.baseline_dll.resolve(), args.users_list, "Carrier baseline")
                elif server == "postfix":
                    target = PostfixTarget(workspace, args.users_list)
                else:
                    parser.error(f"unknown server {server}")
                log(f"round {round_number} of {args.repeat}")
                runs.append(measure(target, args))
    results = medians(runs)
    report(results, args)
    benchlib.RESULTS.mkdir(exist_ok=True)
    path = benchlib.RESULTS / f"local-delivery-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"arguments": sys.argv[1:], "medians": results, "runs": runs}, indent=2))
    log(f"results written to {path}")


if __name__ == "__main__":
    main()
