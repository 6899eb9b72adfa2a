"""Asks Carrier's IMAP server to SORT and THREAD through Python's imaplib; prints one fact per line.

Usage: imaplib_sort_thread.py PORT USER PASSWORD
"""
import imaplib
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login(user, password)

messages = [
    ("Quarterly report", "<q1@example.org>", "", "Fri, 1 Mar 2024 09:00:00 +0000"),
    ("Re: Quarterly report", "<q2@example.org>", "References: <q1@example.org>\r\n", "Sat, 2 Mar 2024 09:00:00 +0000"),
    ("Apples", "<a1@example.org>", "", "Sun, 3 Mar 2024 09:00:00 +0000"),
    ("Re: Quarterly report", "<q3@example.org>", "References: <q1@example.org> <q2@example.org>\r\n", "Mon, 4 Mar 2024 09:00:00 +0000"),
]
for subject, message_id, references, date in messages:
    text = (
        "From: Alice <alice@example.org>\r\n"
        f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n{references}Date: {date}\r\n\r\nBody.\r\n"
    )
    imap.append("INBOX", None, None, text.encode())

typ, data = imap.select("INBOX")
print("select", typ, data[0].decode())
typ, data = imap.sort("(SUBJECT)", "UTF-8", "ALL")
print("sort-subject", typ, data[0].decode())
typ, data = imap.sort("(REVERSE DATE)", "UTF-8", "ALL")
print("sort-reverse-date", typ, data[0].decode())
typ, data = imap.uid("SORT", "(SUBJECT)", "UTF-8", "SUBJECT", "quarterly")
print("uid-sort", typ, data[0].decode())
typ, data = imap.thread("REFERENCES", "UTF-8", "ALL")
print("thread-references", typ, data[0].decode())
typ, data = imap.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
print("thread-orderedsubject", typ, data[0].decode())
try:
    imap.sort("(NONSENSE)", "UTF-8", "ALL")
    print("bad-sort", "accepted")
except imaplib.IMAP4.error as error:
    print("bad-sort", "refused", str(error).split(" ")[0].strip("b'"))
imap.logout()
