"""IMAP servers to measure: a private Dovecot, Carrier from this checkout, or any server given by address."""

import os
import resource
import subprocess

import benchlib

PASSWORD = "bench-password"


def raise_fd_limit():
    """Idle tests hold thousands of sockets; children inherit the raised limit (servers need it too)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class DovecotTarget:
    name = "Dovecot"

    def __init__(self, workspace, user, max_connections):
        self.root = workspace.path / "dovecot"
        self.host, self.port = "127.0.0.1", benchlib.free_port()
        self.user, self.password = user, PASSWORD
        self.max_connections = max_connections
        self.process = None
        workspace.on_exit(self.stop)

    def start(self):
        for directory in ("run", "state", "mail", "home"):
            (self.root / directory).mkdir(parents=True)
        subprocess.run(["chown", "nobody:nogroup", str(self.root / "mail"), str(self.root / "home")], check=True)
        limit = self.max_connections + 100
        (self.root / "users").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        config = self.root / "dovecot.conf"
        config.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.root}/mail/%n
default_internal_user = dovecot
default_login_user = dovenull
default_vsz_limit = 1G
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={self.root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  process_limit = {limit}
}}
service imap {{
  process_limit = {limit}
}}
service anvil {{
  client_limit = {2 * limit + 100}
}}
service auth {{
  client_limit = {2 * limit + 100}
}}
service stats {{
  client_limit = {2 * limit + 100}
}}
protocol imap {{
  mail_max_userip_connections = {limit}
}}
""")
        self.log = open(self.root / "stdout.log", "w")
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        benchlib.wait_for_port(self.port, 30, self.process)

    def version(self):
        return benchlib.package_version("dovecot-imapd")

    def pids(self):
        return benchlib.process_tree(self.process.pid) if self.process else []

    def stop(self):
        if self.process is not None:
            benchlib.stop_pid(self.process.pid)
            self.process = None
            self.log.close()
            benchlib.keep_log(self.root / "dovecot.log", "imap-dovecot")


class CarrierTarget:
    name = "Carrier"

    def __init__(self, workspace, dll, user, max_connections):
        self.max_connections = max_connections
        self.data = workspace.path / "carrier"
        self.dll = dll
        self.host, self.port = "127.0.0.1", benchlib.free_port()
        self.smtp_port = benchlib.free_port()
        self.user, self.password = user, PASSWORD
        self.process = None
        workspace.on_exit(self.stop)

    def _cli(self, *arguments, stdin=None, environment=None):
        subprocess.run(["dotnet", str(self.dll), *arguments, "--data", str(self.data)],
                       input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, timeout=120,
                       env=dict(os.environ, **(environment or {})))

    def start(self):
        domain = self.user.split("@")[1]
        self._cli("init", "--hostname", f"carrier.{domain}", "--domain", domain, "--listen", f"127.0.0.1:{self.smtp_port}")
        # Dovecot's passdb holds the password in plain text: hash with few iterations so that LOGIN measures the
        # protocol, not PBKDF2.
        self._cli("user", "add", self.user, "--password-stdin", stdin=self.password + "\n",
                  environment={"CARRIER_Store__PasswordIterations": "1000"})
        self.log = open(self.data / "serve.log", "w")
        limit = str(self.max_connections + 100)
        environment = dict(os.environ, CARRIER_Imap__Listen__0=f"127.0.0.1:{self.port}",
                           CARRIER_Limits__ConnectionsPerIp=limit, CARRIER_Limits__Connections=limit)
        self.process = subprocess.Popen(["dotnet", str(self.dll), "serve", "--data", str(self.data)],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        try:
            benchlib.wait_for_port(self.port, 60, self.process)
        except RuntimeError as error:
            self.log.flush()
            tail = (self.data / "serve.log").read_text(errors="replace").strip().splitlines()[-5:]
            raise SystemExit(f"Carrier did not start serving IMAP ({error}):\n" + "\n".join(tail)) from error

    def version(self):
        result = subprocess.run(["git", "-C", str(benchlib.REPO), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=False)
        return f"git {result.stdout.strip()}"

    def pids(self):
        return [self.process.pid] if self.process else []

    def stop(self):
        if self.process is not None:
            benchlib.stop_pid(self.process.pid)
            self.process = None
            self.log.close()
            benchlib.keep_log(self.data / "serve.log", "imap-carrier")


class ExternalTarget:
    """A server someone else started; memory is measured only when its PID is given."""

    def __init__(self, host, port, user, password, pid, name):
        self.name = name
        self.host, self.port, self.user, self.password, self.pid = host, port, user, password, pid

    def start(self):
        if self.host == "127.0.0.1":
            benchlib.wait_for_port(self.port, 10)

    def version(self):
        return "external"

    def pids(self):
        return benchlib.process_tree(self.pid) if self.pid else []

    def stop(self):
        pass


def pss_kib(pids):
    """Proportional set size: shared pages divided among the processes sharing them (fair for many processes)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def memory(target):
    pids = target.pids()
    return {"processes": len(pids), "rss_kib": benchlib.rss_kib(pids), "pss_kib": pss_kib(pids)}
