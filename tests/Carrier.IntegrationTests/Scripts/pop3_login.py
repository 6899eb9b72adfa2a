#!/usr/bin/python3
"""Logs in to a POP3 server with Python's poplib and prints the mailbox size, or the refusal.

Usage: pop3_login.py HOST PORT USER PASSWORD
Prints "OK <messages> <octets>" and exits 0, or "REFUSED <server reply>" and exits 1.
"""
import poplib
import sys

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = poplib.POP3(host, port, timeout=30)
try:
    client.user(user)
    client.pass_(password)
    count, size = client.stat()
    print(f"OK {count} {size}")
    client.quit()
except poplib.error_proto as error:
    print(f"REFUSED {error}")
    client.close()
    sys.exit(1)
