#!/usr/bin/python3
"""IMAP load harness: imports a generated mailbox into an IMAP server by APPEND, runs a bounded mixed load
of concurrent clients (LOGIN, SELECT, FETCH of headers and bodies, STORE, SEARCH, APPEND, EXPUNGE), then
holds N connections in IDLE and measures the server's memory per idle connection.

Targets: a private Dovecot (started and stopped here), Carrier from this checkout (Imap:Listen on a
loopback port), or any server already running (--target external --port P --user U --password W, and
--server-pid PID to measure its memory, all its child processes included).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import benchlib  # noqa: E402
from benchlib import log  # noqa: E402
import corpus  # noqa: E402
import load  # noqa: E402
import targets  # noqa: E402


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["dovecot", "carrier", "external"], default="dovecot")
    parser.add_argument("--port", type=int, help="external: the server's IMAP port on 127.0.0.1")
    parser.add_argument("--user", default="bench@bench.test", help="account to log in as")
    parser.add_argument("--password", default=targets.PASSWORD)
    parser.add_argument("--server-pid", type=int, help="external: PID whose process tree is the server")
    parser.add_argument("--messages", type=int, default=3000, help="messages imported before the load (default 3000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent load clients (default 8)")
    parser.add_argument("--operations", type=int, default=500, help="operations per client at most (default 500)")
    parser.add_argument("--duration", type=float, default=60, help="seconds the load may run at most (default 60)")
    parser.add_argument("--session-length", type=int, default=25, help="operations per login session (default 25)")
    parser.add_argument("--idle", type=int, default=1000, help="connections held in IDLE, at most 2000 (default 1000; 0 skips)")
    parser.add_argument("--no-build", action="store_true", help="use the existing Release build of Carrier")
    parser.add_argument("--carrier-dll", type=Path, help="carrier: run this build of carrier.dll (a copy, so the checkout can be rebuilt meanwhile)")
    args = parser.parse_args()
    if not (1 <= args.messages <= 50_000 and 1 <= args.clients <= 100 and 1 <= args.operations <= 100_000
            and 0 <= args.idle <= 2000 and 1 <= args.duration <= 3600):
        parser.error("messages 1..50000, clients 1..100, operations 1..100000, idle 0..2000, duration 1..3600")
    if args.target == "external" and args.port is None:
        parser.error("--target external needs --port")
    return args


def create_target(args, workspace):
    if args.target == "dovecot":
        benchlib.apt_install(["dovecot-imapd"])
        return targets.DovecotTarget(workspace, args.user, args.idle)
    if args.target == "carrier":
        dll = args.carrier_dll or benchlib.carrier_dll(build=not args.no_build)
        return targets.CarrierTarget(workspace, dll, args.user, args.idle)
    return targets.ExternalTarget("127.0.0.1", args.port, args.user, args.password, args.server_pid, "external")


def report(result):
    print()
    print(f"{result['server']} {result['version']}: {result['messages']} messages imported at "
          f"{result['import_per_s']:.0f} msg/s ({result['corpus_mib']:.1f} MiB)")
    run = result["load"]
    print(f"load: {run['clients']} clients, {run['operations']} operations in {run['seconds']:.1f} s = "
          f"{run['operations_per_s']:.0f} ops/s; peak RSS {run['peak_rss_mib']:.0f} MiB, PSS {run['peak_pss_mib']:.0f} MiB")
    print("| operation | count | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name, figures in run["per_operation"].items():
        print(f"| {name} | {figures['count']} | {figures['p50_ms']:.1f} | {figures['p99_ms']:.1f} |")
    if run["errors"]:
        print(f"load errors: {run['errors']}")
    if "idle" in result:
        idle = result["idle"]
        per_rss = idle["rss_kib_per_connection"]
        per_pss = idle["pss_kib_per_connection"]
        print(f"idle: {idle['idle']}/{idle['requested']} connections in IDLE; processes {idle['processes_before']} -> "
              f"{idle['processes_during']}; RSS {idle['rss_mib_before']:.0f} -> {idle['rss_mib_during']:.0f} MiB"
              + (f" = {per_rss:.0f} KiB RSS, {per_pss:.0f} KiB PSS per connection" if per_rss is not None else ""))
        if idle["errors"]:
            print(f"idle errors: {idle['errors']}")


def main():
    args = parse_arguments()
    fd_limit = targets.raise_fd_limit()
    if args.idle + 200 > fd_limit:
        raise SystemExit(f"the open-file limit {fd_limit} is too low for {args.idle} idle connections")
    log(f"generating {args.messages} messages")
    messages = corpus.generate(args.messages, args.user)
    with benchlib.Workspace(f"imap-{args.target}") as workspace:
        target = create_target(args, workspace)
        log(f"{target.name}: starting")
        target.start()
        sample = lambda: targets.memory(target)  # noqa: E731
        log(f"{target.name}: importing by APPEND")
        result = {
            "server": target.name,
            "version": target.version(),
            "messages": args.messages,
            "corpus_mib": sum(len(m) for _, m in messages) / 2**20,
            "import_per_s": load.import_corpus(target, messages, deadline=900),
        }
        log(f"{target.name}: load of {args.clients} clients, up to {args.operations} operations each, {args.duration} s at most")
        result["load"] = load.run_load(target, args.messages, args.clients, args.operations, args.duration,
                                       args.session_length, sample)
        if args.idle:
            log(f"{target.name}: {args.idle} connections into IDLE")
            result["idle"] = load.run_idle(target, args.idle, sample)
        target.stop()
    report(result)
    benchlib.RESULTS.mkdir(exist_ok=True)
    path = benchlib.RESULTS / f"imap-{args.target}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"arguments": sys.argv[1:], "result": result}, indent=2))
    log(f"results written to {path}")


if __name__ == "__main__":
    main()
