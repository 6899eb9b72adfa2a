#!/usr/bin/python3
"""Fetches a maildrop with Python's poplib and reports what it saw as JSON on standard output.

Each message is written to OUT/N.eml as poplib hands it over (lines joined with CRLF); with --delete
every message is deleted before QUIT.
"""
import argparse
import json
import os
import poplib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--delete", action="store_true")
    args = parser.parse_args()

    client = poplib.POP3("127.0.0.1", args.port, timeout=20)
    report = {"welcome": client.getwelcome().decode(), "capa": sorted(client.capa().keys())}
    client.user(args.user)
    client.pass_(args.password)
    count, size = client.stat()
    report["stat"] = [count, size]
    report["list"] = [entry.decode() for entry in client.list()[1]]
    report["uidl"] = [entry.decode() for entry in client.uidl()[1]]
    report["top"] = [line.decode() for line in client.top(1, 0)[1]] if count else []
    for number in range(1, count + 1):
        lines = client.retr(number)[1]
        with open(os.path.join(args.out, f"{number}.eml"), "wb") as message:
            message.write(b"".join(line + b"\r\n" for line in lines))
        if args.delete:
            client.dele(number)
    report["quit"] = client.quit().decode()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
