"""Helpers shared by the benchmarks: private server processes, ports, memory, percentiles.

Every process a benchmark starts is recorded by PID and stopped by PID; nothing here signals a process
by name. Every wait is bounded.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on at this moment; BENCH_PORTS=LOW-HIGH confines the choice
    to a range (on a machine shared with other runs)."""
    low, _, high = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    # In random order: two calls in a row must not both return the first port that is free.
    candidates = random.sample(range(int(low), int(high) + 1), int(high) - int(low) + 1) if int(low) else [0]
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in {low}-{high}")


def wait_for_port(port, timeout, process=None):
    """Waits until something accepts on 127.0.0.1:port; fails if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop_pid(pid, grace=30):
    """SIGTERM, then SIGKILL after the grace period; returns once the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pid_alive(pid):
    try:
        # A zombie child still answers kill(0); reap it if it is ours.
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def process_tree(root_pid):
    """The PID and every descendant, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def rss_kib(pids):
    """Sum of resident set sizes (VmRSS) of the given processes, in KiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[rank]


RESULTS = REPO / "bench" / "results"


def keep_log(path, name):
    """Copies a server's log into bench/results (not versioned) before its workspace is removed."""
    if Path(path).exists():
        RESULTS.mkdir(exist_ok=True)
        shutil.copyfile(path, RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.log")


def package_version(package):
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "not installed"


def apt_install(packages):
    """Installs missing Debian packages without starting their system-wide services."""
    missing = [p for p in packages if package_version(p) == "not installed"]
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing Debian packages {missing}; run as root to install them")
    log(f"apt-get install {' '.join(missing)}")
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    policy = Path("/usr/sbin/policy-rc.d")
    created = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        created = True
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=environment, stdout=subprocess.DEVNULL)
    finally:
        if created:
            policy.unlink()


def carrier_dll(build=True):
    """The Release build of the carrier executable, built from this checkout unless told not to."""
    if build:
        log("building Carrier (Release)")
        subprocess.run(["dotnet", "build", str(REPO / "src" / "Carrier"), "-c", "Release", "--nologo", "-v", "q"],
                       check=True, stdout=subprocess.DEVNULL)
    dll = REPO / "src" / "Carrier" / "bin" / "Release" / "net10.0" / "carrier.dll"
    if not dll.exists():
        raise SystemExit(f"{dll} is missing; build Carrier first")
    return dll


class Workspace:
    """A temporary directory removed at exit, together with the processes registered in it."""

    def __init__(self, prefix):
        self.path = Path(tempfile.mkdtemp(prefix=f"carrier-bench-{prefix}-"))
        os.chmod(self.path, 0o755)
        self._cleanups = []

    def on_exit(self, action):
        self._cleanups.append(action)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for action in reversed(self._cleanups):
            try:
                action()
            except Exception as error:  # a cleanup failure must not hide the others
                log(f"cleanup failed: {error}")
        shutil.rmtree(self.path, ignore_errors=True)
        return False
