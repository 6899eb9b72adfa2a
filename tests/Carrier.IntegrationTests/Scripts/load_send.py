#!/usr/bin/python3
"""A bounded load: COUNT messages to RECIPIENT over CLIENTS concurrent smtplib sessions.

Usage: load_send.py HOST PORT COUNT CLIENTS RECIPIENT TAG
Prints "ACK <message-id> <queue-id>" the moment a message is answered 250 (flushed, so that a test can
act on progress), "FAIL <message-id> <reason>" when it is not, and "DONE acked=N failed=M" at the end.
Every message is tried once: a failure (the server is gone) is reported, never retried, so the run
always ends.
"""
import smtplib
import sys
import threading

host, port, count, clients, recipient, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
lock = threading.Lock()
next_index = [0]
totals = {"acked": 0, "failed": 0}


def say(line, outcome):
    with lock:
        totals[outcome] += 1
        print(line, flush=True)


def take():
    with lock:
        if next_index[0] >= count:
            return None
        next_index[0] += 1
        return next_index[0]


def message(index):
    message_id = f"<load-{tag}-{index}@client.example.org>"
    body = "".join(f"line {n} of message {index}, padding the body to a few kilobytes\r\n" for n in range(40))
    data = (f"From: <load@example.org>\r\nTo: <{recipient}>\r\nSubject: load {tag} {index}\r\n"
            f"Message-ID: {message_id}\r\n\r\n{body}").encode("ascii")
    return message_id, data


def client():
    session = None
    while (index := take()) is not None:
        message_id, data = message(index)
        try:
            if session is None:
                session = smtplib.SMTP(host, port, local_hostname="load.example.org", timeout=30)
                session.ehlo()
            code, _ = session.mail("load@example.org")
            if code != 250:
                raise smtplib.SMTPResponseException(code, b"MAIL refused")
            code, _ = session.rcpt(recipient)
            if code != 250:
                raise smtplib.SMTPResponseException(code, b"RCPT refused")
            code, text = session.data(data)
            if code == 250:
                queue_id = text.decode().rsplit(" ", 1)[-1]
                say(f"ACK {message_id} {queue_id}", "acked")
            else:
                say(f"FAIL {message_id} {code}", "failed")
        except (OSError, smtplib.SMTPException) as error:
            say(f"FAIL {message_id} {type(error).__name__}", "failed")
            try:
                if session is not None:
                    session.close()
            except OSError:
                pass
            session = None
    if session is not None:
        try:
            session.quit()
        except (OSError, smtplib.SMTPException):
            pass


threads = [threading.Thread(target=client) for _ in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"DONE acked={totals['acked']} failed={totals['failed']}", flush=True)
