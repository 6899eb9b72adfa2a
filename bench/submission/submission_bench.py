#!/usr/bin/python3
"""Submission with STARTTLS and AUTH: Carrier against Postfix with Dovecot SASL, in the same run.

Both servers use the same certificate and key (the self-signed ECDSA P-256 pair `carrier init` writes),
TLS 1.2/1.3 with their defaults, AUTH PLAIN against a password hashed with PBKDF2 at 1,000 iterations
(Carrier: PBKDF2-HMAC-SHA256 in its store, `Store:PasswordIterations=1000`; Dovecot: `{PBKDF2}`, which is
PBKDF2-HMAC-SHA1, `rounds=1000`, in a passwd-file, no auth cache) and deliver every message into a local
mailbox (Carrier: its store; Postfix: a Maildir through its `virtual` agent). Both answer 250 only once the
message is on disk. Measured per round, interleaved:

  submit K=1    every message on its own connection: connect, EHLO, STARTTLS, EHLO, AUTH PLAIN, one message
  submit K=10   the same with ten messages per connection
  starttls      handshakes only: connect, EHLO, STARTTLS, handshake, QUIT
  implicit      handshakes only on the implicit-TLS port (465 style): connect with TLS, greeting, QUIT

Ports are taken from 23000-23999 on 127.0.0.1. Every process is started and stopped by PID.
"""

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import benchlib  # noqa: E402
from benchlib import log  # noqa: E402
import submission_load  # noqa: E402

DOMAIN = "bench.test"
USER = f"bench@{DOMAIN}"
PASSWORD = "bench-password"
ITERATIONS = 1000
PORT_RANGE = range(23000, 24000)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port_in_range(taken):
    """A port of PORT_RANGE on 127.0.0.1 that nobody listens on now and this run has not handed out."""
    candidates = [p for p in PORT_RANGE if p not in taken]
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise SystemExit("no free port in 23000-23999")


def cpu_seconds(pids):
    """User + system time of the processes and of their reaped children (smtpd processes that exited)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15])
        except (OSError, ValueError, IndexError):
            continue
    return total / CLOCK_TICKS


class CarrierTarget:
    name = "Carrier"

    def __init__(self, workspace, dll, ports):
        self.data = workspace.path / "carrier"
        self.dll = dll
        self.smtp_port, self.submission_port, self.submissions_port = (free_port_in_range(ports) for _ in range(3))
        self.process = None
        workspace.on_exit(self.stop)

    def _cli(self, *arguments, stdin=None, environment=None):
        subprocess.run(["dotnet", str(self.dll), *arguments, "--data", str(self.data)], input=stdin, text=True,
                       check=True, stdout=subprocess.DEVNULL, timeout=120, env=environment)

    def initialise(self):
        """carrier init writes the self-signed ECDSA P-256 pair that both servers then use."""
        self._cli("init", "--hostname", f"carrier.{DOMAIN}", "--domain", DOMAIN,
                  "--listen", f"127.0.0.1:{self.smtp_port}")
        environment = dict(os.environ, CARRIER_Store__PasswordIterations=str(ITERATIONS))
        self._cli("user", "add", USER, "--password-stdin", stdin=PASSWORD + "\n", environment=environment)
        return self.data / "tls" / "cert.pem", self.data / "tls" / "key.pem"

    def start(self):
        self.log = open(self.data / "serve.log", "w")
        environment = dict(
            os.environ,
            CARRIER_Submission__Listen__0=f"127.0.0.1:{self.submission_port}",
            CARRIER_Submissions__Listen__0=f"127.0.0.1:{self.submissions_port}",
            CARRIER_Pop3__Listen__0="", CARRIER_Pop3s__Listen__0="",
            CARRIER_Imap__Listen__0="", CARRIER_Imaps__Listen__0="",
            CARRIER_Logging__LogLevel__Default="Warning")
        self.process = subprocess.Popen(["dotnet", str(self.dll), "serve", "--data", str(self.data)],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        benchlib.wait_for_port(self.submission_port, 60, self.process)
        benchlib.wait_for_port(self.submissions_port, 60, self.process)

    def version(self):
        result = subprocess.run(["git", "-C", str(benchlib.REPO), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=False)
        return f"git {result.stdout.strip()}"

    def delivered(self):
        with sqlite3.connect(f"file:{self.data / 'carrier.db'}?mode=ro", uri=True, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]

    def pids(self):
        return [self.process.pid] if self.process else []

    def stop(self):
        if self.process is not None:
            benchlib.stop_pid(self.process.pid)
            self.process = None
            self.log.close()
            benchlib.keep_log(self.data / "serve.log", "submission-carrier")


class DovecotAuth:
    """A private Dovecot that runs only its auth service, for Postfix's smtpd_sasl_type = dovecot."""

    def __init__(self, workspace):
        self.root = workspace.path / "dovecot"
        self.socket = self.root / "postfix-auth"
        self.process = None
        workspace.on_exit(self.stop)

    def start(self):
        for directory in ("run", "state"):
            (self.root / directory).mkdir(parents=True)
        hashed = subprocess.run(["doveadm", "pw", "-s", "PBKDF2", "-r", str(ITERATIONS), "-p", PASSWORD],
                                capture_output=True, text=True, check=True).stdout.strip()
        (self.root / "users").write_text(f"{USER}:{hashed}::::::\n")
        config = self.root / "dovecot.conf"
        config.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 0
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/users
}}
service auth {{
  unix_listener {self.socket} {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
""")
        self.log = open(self.root / "stdout.log", "w")
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Dovecot auth did not start; see {self.root}/dovecot.log")
            time.sleep(0.1)

    def pids(self):
        return benchlib.process_tree(self.process.pid) if self.process else []

    def stop(self):
        if self.process is not None:
            benchlib.stop_pid(self.process.pid)
            self.process = None
            self.log.close()
            benchlib.keep_log(self.root / "dovecot.log", "submission-dovecot")


class PostfixTarget:
    name = "Postfix"

    def __init__(self, workspace, ports, certificate, key, extra_options=()):
        self.extra_options = extra_options
        self.root = workspace.path / "postfix"
        self.certificate, self.key = certificate, key
        self.submission_port, self.submissions_port = (free_port_in_range(ports) for _ in range(2))
        self.dovecot = DovecotAuth(workspace)
        self.master_pid = None
        workspace.on_exit(self.stop)

    def start(self):
        self.dovecot.start()
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
smtpd_tls_chain_files = {self.key}, {self.certificate}
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self.dovecot.socket}
smtpd_sasl_auth_enable = no
smtpd_sender_login_maps = texthash:{etc}/senders
maillog_file = {self.root}/maillog
maillog_file_prefixes = {self.root}
""" + "".join(f"{option}\n" for option in self.extra_options))
        (etc / "vmailbox").write_text(f"{USER} bench/\n")
        (etc / "senders").write_text(f"{USER} {USER}\n")
        subprocess.run(["chown", "nobody:nogroup", str(mail)], check=True)
        subprocess.run(["chown", "postfix", str(data)], check=True)
        postconf = ["postconf", "-c", str(etc)]
        subprocess.run([*postconf, "-F", "*/*/chroot=n"], check=True)
        subprocess.run([*postconf, "-M#", "smtp/inet"], check=True)
        # The same options as Debian's commented-out submission and smtps entries: TLS, AUTH required,
        # and the sender must be the authenticated user's address (Carrier's Submission:RestrictSender).
        submission = ("-o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject "
                      "-o smtpd_sender_restrictions=reject_sender_login_mismatch "
                      "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject")
        for port, extra, name in ((self.submission_port, "-o smtpd_tls_security_level=encrypt", "submission"),
                                  (self.submissions_port, "-o smtpd_tls_wrappermode=yes", "submissions")):
            subprocess.run([*postconf, "-Me", f"127.0.0.1:{port}/inet=127.0.0.1:{port} inet n - n - - smtpd "
                            f"-o syslog_name=postfix/{name} {extra} {submission}"], check=True)
        subprocess.run([*postconf, "-Me", "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"], check=True)
        subprocess.run(["postfix", "-c", str(etc), "start"], check=True, timeout=60)
        self.master_pid = int((spool / "pid" / "master.pid").read_text().split()[0])
        benchlib.wait_for_port(self.submission_port, 30)
        benchlib.wait_for_port(self.submissions_port, 30)

    def version(self):
        return f"postfix {benchlib.package_version('postfix')}, dovecot {benchlib.package_version('dovecot-core')}"

    def delivered(self):
        directory = self.root / "mail" / "bench" / "new"
        return len(os.listdir(directory)) if directory.exists() else 0

    def pids(self):
        tree = benchlib.process_tree(self.master_pid) if self.master_pid else []
        return tree + self.dovecot.pids()

    def stop(self):
        if self.master_pid is not None:
            subprocess.run(["postfix", "-c", str(self.root / "etc"), "stop"], check=False, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            benchlib.stop_pid(self.master_pid)
            self.master_pid = None
            benchlib.keep_log(self.root / "maillog", "submission-postfix")


def wait_delivered(target, expected, timeout):
    """Seconds until the mailbox holds `expected` messages (None if it does not within the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if target.delivered() >= expected:
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def measure(target, mode, args):
    """One measured load against one server; returns a row of figures."""
    per_session = {"submit1": 1, "submit10": 10}.get(mode, 0)
    count = args.messages if per_session else args.handshakes
    sessions = max(1, count // per_session) if per_session else count
    port = target.submissions_port if mode == "implicit" else target.submission_port
    before_delivered = target.delivered()
    pids = target.pids()
    cpu_before = cpu_seconds(pids)
    load_before = os.getloadavg()[0]
    client_cpu = time.process_time()
    load, seconds = submission_load.run("submit" if per_session else mode, port, sessions, args.clients,
                                        per_session, USER, PASSWORD, args.size, args.deadline)
    client_cpu = time.process_time() - client_cpu
    if load.errors:
        raise SystemExit(f"{target.name} {mode}: {load.errors[:3]}")
    drained = None
    if per_session:
        drained = wait_delivered(target, before_delivered + load.messages, args.deadline)
        if drained is None:
            raise SystemExit(f"{target.name} {mode}: not every message reached the mailbox")
    cpu = cpu_seconds(target.pids()) - cpu_before
    row = {
        "server": target.name, "mode": mode, "sessions": len(load.handshake), "seconds": seconds,
        "handshakes_per_s": len(load.handshake) / seconds,
        "handshake_ms_p50": 1000 * benchlib.percentile(load.handshake, 0.50),
        "handshake_ms_p99": 1000 * benchlib.percentile(load.handshake, 0.99),
        "greeting_ms_p50": 1000 * benchlib.percentile(load.greeting, 0.50),
        "quit_ms_p50": 1000 * benchlib.percentile(load.closing, 0.50),
        "server_cpu_s": cpu, "client_cpu_s": client_cpu, "load_average": load_before, "negotiated": dict(load.negotiated),
    }
    if per_session:
        row.update({
            "messages": load.messages,
            "messages_per_s": load.messages / seconds,
            "login_ms_p50": 1000 * benchlib.percentile(load.login, 0.50),
            "message_ms_p50": 1000 * benchlib.percentile(load.message, 0.50),
            "message_ms_p99": 1000 * benchlib.percentile(load.message, 0.99),
            "delivered_after_s": drained,
            "server_cpu_ms_per_message": 1000 * cpu / load.messages,
        })
    else:
        row["server_cpu_ms_per_handshake"] = 1000 * cpu / len(load.handshake)
    log(f"  {target.name:8} {mode:9} {row.get('messages_per_s', row['handshakes_per_s']):8.1f}/s "
        f"greeting {row['greeting_ms_p50']:.1f} ms, handshake {row['handshake_ms_p50']:.1f} ms, "
        f"QUIT to close {row['quit_ms_p50']:.1f} ms (p50s); cpu {cpu:.2f} s (client {client_cpu:.2f} s), load {load_before:.2f}, "
        f"{dict(load.negotiated)}")
    return row


def medians(rows):
    groups = {}
    for row in rows:
        groups.setdefault((row["mode"], row["server"]), []).append(row)
    merged = []
    for (mode, server), group in groups.items():
        result = {"mode": mode, "server": server, "rounds": len(group)}
        for key, value in group[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value is not None:
                values = [r[key] for r in group if r.get(key) is not None]
                result[key] = statistics.median(values)
        rate = "messages_per_s" if "messages_per_s" in group[0] else "handshakes_per_s"
        result["range"] = f"{min(r[rate] for r in group):.0f}–{max(r[rate] for r in group):.0f}"
        result["negotiated"] = sorted({n for r in group for n in r["negotiated"]})
        merged.append(result)
    return merged


def report(results, rows, args):
    by_key = {(r["mode"], r["server"]): r for r in results}
    loads = [r["load_average"] for r in rows]
    print()
    print(f"{args.clients} concurrent clients; {args.messages} messages of ~{args.size} B per submit round, "
          f"{args.handshakes} handshakes per handshake round; medians of {args.repeat} interleaved rounds; "
          f"load average {min(loads):.1f}–{max(loads):.1f} during the rounds")
    print("| mode | server | msg/s | range | login p50 ms | 250 p50 ms | 250 p99 ms | handshake p50 ms | "
          "server CPU ms/msg |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mode in ("submit1", "submit10"):
        for server in ("Carrier", "Postfix"):
            r = by_key.get((mode, server))
            if r:
                print(f"| K={mode[6:]} | {server} | {r['messages_per_s']:.0f} | {r['range']} | {r['login_ms_p50']:.1f} | "
                      f"{r['message_ms_p50']:.1f} | {r['message_ms_p99']:.1f} | {r['handshake_ms_p50']:.1f} | "
                      f"{r['server_cpu_ms_per_message']:.2f} |")
    print()
    print("| mode | server | handshakes/s | range | handshake p50 ms | handshake p99 ms | server CPU ms/handshake | negotiated |")
    print("|---|---|---|---|---|---|---|---|")
    for mode in ("starttls", "implicit"):
        for server in ("Carrier", "Postfix"):
            r = by_key.get((mode, server))
            if r:
                print(f"| {mode} | {server} | {r['handshakes_per_s']:.0f} | {r['range']} | {r['handshake_ms_p50']:.1f} | "
                      f"{r['handshake_ms_p99']:.1f} | {r['server_cpu_ms_per_handshake']:.2f} | {', '.join(r['negotiated'])} |")
    print()
    for mode in ("submit1", "submit10", "starttls", "implicit"):
        c, p = by_key.get((mode, "Carrier")), by_key.get((mode, "Postfix"))
        if c and p:
            rate = "messages_per_s" if "messages_per_s" in c else "handshakes_per_s"
            cpu = "server_cpu_ms_per_message" if "messages_per_s" in c else "server_cpu_ms_per_handshake"
            print(f"Carrier/Postfix {mode}: rate {c[rate] / p[rate]:.2f}x, server CPU per unit {c[cpu] / p[cpu]:.2f}x, "
                  f"handshake p50 {c['handshake_ms_p50'] / p['handshake_ms_p50']:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000, help="messages per submit round (default 1000)")
    parser.add_argument("--handshakes", type=int, default=1000, help="connections per handshake round (default 1000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--size", type=int, default=4096, help="approximate message size in octets (default 4096)")
    parser.add_argument("--modes", default="submit1,submit10,starttls,implicit",
                        help="comma-separated: submit1, submit10, starttls, implicit")
    parser.add_argument("--servers", default="carrier,postfix", help="comma-separated: carrier, postfix")
    parser.add_argument("--postfix-option", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra main.cf line for Postfix (repeatable), e.g. to try a TLS setting")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; figures are medians (default 3)")
    parser.add_argument("--deadline", type=float, default=300, help="seconds one load may take at most")
    parser.add_argument("--no-build", action="store_true", help="use the existing Release build of Carrier")
    args = parser.parse_args()
    if not (1 <= args.messages <= 50_000 and 1 <= args.handshakes <= 50_000 and 1 <= args.clients <= 40
            and 64 <= args.size <= 10_000_000 and 1 <= args.repeat <= 20):
        parser.error("messages and handshakes 1..50000, clients 1..40, size 64..10000000, repeat 1..20")
    modes = args.modes.split(",")
    servers = args.servers.split(",")
    for mode in modes:
        if mode not in ("submit1", "submit10", "starttls", "implicit"):
            parser.error(f"unknown mode {mode}")

    benchlib.apt_install(["postfix", "dovecot-core"])
    dll = benchlib.carrier_dll(build=not args.no_build)
    rows = []
    ports = set()
    with benchlib.Workspace("submission") as workspace:
        carrier = CarrierTarget(workspace, dll, ports)
        certificate, key = carrier.initialise()
        postfix = PostfixTarget(workspace, ports, certificate, key, args.postfix_option)
        carrier.start()
        postfix.start()
        log(f"Carrier on {carrier.submission_port}/{carrier.submissions_port}, "
            f"Postfix on {postfix.submission_port}/{postfix.submissions_port}; warming up")
        # .NET compiles hot code again with profile data over the first few hundred sessions; 300 of each
        # mode brings Carrier to its steady state (the first measured round used twice the CPU after 50).
        warm = argparse.Namespace(**{**vars(args), "messages": 300, "handshakes": 300})
        for target in (carrier, postfix):
            for mode in modes:
                if target.name.lower() in servers:
                    measure(target, mode, warm)
        # Rounds interleave the servers, and alternate which goes first, so a change of load hits each alike.
        for round_number in range(1, args.repeat + 1):
            log(f"round {round_number} of {args.repeat} (load average {os.getloadavg()[0]:.2f})")
            order = (carrier, postfix) if round_number % 2 else (postfix, carrier)
            for mode in modes:
                for target in order:
                    if target.name.lower() not in servers:
                        continue
                    rows.append(measure(target, mode, args))
        versions = {t.name: t.version() for t in (carrier, postfix)}
    results = medians(rows)
    report(results, rows, args)
    benchlib.RESULTS.mkdir(exist_ok=True)
    path = benchlib.RESULTS / f"submission-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"arguments": sys.argv[1:], "versions": versions, "medians": results, "runs": rows},
                               indent=2))
    log(f"results written to {path}")


if __name__ == "__main__":
    main()
