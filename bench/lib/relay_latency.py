#!/usr/bin/python3
"""Per-message end-to-end latency through a relay.

send:    python3 relay_latency.py send HOST COUNT SESSIONS SIZE RATE OUT.json
         sends COUNT messages over SESSIONS concurrent SMTP sessions (smtplib), message i not before
         i / RATE seconds after the start (an open-loop pace both MTAs can sustain, so the figure is the
         time a message spends in the relay, not in a backlog), each with a unique Message-Id, and records
         when each transaction began (wall clock, shared with the sink's files).
sink:    python3 relay_latency.py sink ADDRESS COUNT ARRIVALS.json
         an aiosmtpd sink on ADDRESS:25 that notes when each message's data has arrived (file modification
         times are too coarse, a few milliseconds, for this); after COUNT messages, or 10 minutes, it writes
         ARRIVALS.json and exits by itself.
analyse: python3 relay_latency.py analyse OUT.json ARRIVALS.json
         prints p50, p99 and max of arrival minus start per Message-Id, in milliseconds.
"""
import json
import os
import smtplib
import sys
import threading
import time


def send(host, count, sessions, size, rate, out):
    body = ("X" * 77 + "\r\n") * max(1, size // 79)
    started = {}
    lock = threading.Lock()

    start = time.time() + 0.5

    def worker(first):
        with smtplib.SMTP(host, 25, local_hostname="source.test", timeout=120) as smtp:
            for i in range(first, count, sessions):
                delay = start + i / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
                message_id = f"<latency-{i}@source.test>"
                content = (f"From: <sender@source.test>\r\nTo: <rcpt@bench.test>\r\n"
                           f"Message-Id: {message_id}\r\nSubject: latency {i}\r\n\r\n{body}")
                begin = time.time()
                smtp.sendmail("sender@source.test", ["rcpt@bench.test"], content)
                with lock:
                    started[message_id] = begin

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(out, "w") as f:
        json.dump(started, f)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def sink(address, count, out):
    from aiosmtpd.controller import Controller

    arrivals = {}
    done = threading.Event()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            arrived = time.time()
            for line in envelope.original_content.split(b"\r\n"):
                if not line:
                    break
                if line.lower().startswith(b"message-id:"):
                    arrivals[line.split(b":", 1)[1].strip().decode()] = arrived
                    break
            if len(arrivals) >= count:
                done.set()
            return "250 2.0.0 Ok"

    controller = Controller(Handler(), hostname=address, port=25, decode_data=False)
    controller.start()
    done.wait(600)
    controller.stop()
    with open(out, "w") as f:
        json.dump(arrivals, f)


def analyse(records, arrivals_file):
    started = json.load(open(records))
    arrivals = json.load(open(arrivals_file))
    latencies = [(arrivals[m] - begin) * 1000 for m, begin in started.items() if m in arrivals]
    if len(latencies) < len(started):
        print(f"only {len(latencies)} of {len(started)} messages arrived", file=sys.stderr)
        sys.exit(1)
    print(f"{percentile(latencies, 0.5):.1f} {percentile(latencies, 0.99):.1f} {max(latencies):.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7])
    elif sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        analyse(sys.argv[2], sys.argv[3])
