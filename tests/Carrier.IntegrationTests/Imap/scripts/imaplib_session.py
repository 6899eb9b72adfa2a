"""Drives Carrier's IMAP server with Python's imaplib and prints what arrived, one fact per line.

Usage: imaplib_session.py PORT USER PASSWORD
"""
import email
import imaplib
import sys

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
imap = imaplib.IMAP4("127.0.0.1", port)
print("capabilities", " ".join(sorted(imap.capabilities)))
typ, _ = imap.login(user, password)
print("login", typ)

message = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: " + user.encode() + b"\r\n"
    b"Subject: From imaplib\r\n"
    b"\r\n"
    b"Sent by Python.\r\n"
)
typ, data = imap.append("INBOX", r"(\Flagged)", imaplib.Time2Internaldate(1700000000), message)
print("append", typ, data[0].decode())

typ, data = imap.list()
print("list", typ, len(data), " | ".join(line.decode() for line in data))

typ, data = imap.select("INBOX")
print("select", typ, data[0].decode())

typ, data = imap.search(None, "SUBJECT", '"imaplib"')
print("search", typ, data[0].decode())

typ, data = imap.fetch("1", "(RFC822)")
parsed = email.message_from_bytes(data[0][1])
print("fetch subject", parsed["Subject"])
print("fetch body", parsed.get_payload().strip())

typ, data = imap.fetch("1", "(FLAGS)")
print("flags", data[0].decode())

typ, data = imap.uid("STORE", "1", "+FLAGS", r"(\Answered)")
print("store", typ, data[0].decode())

typ, data = imap.create("Python")
print("create", typ)
typ, data = imap.uid("COPY", "1", "Python")
code, values = imap.response("COPYUID")
print("copy", typ, code, values[0].decode() if values and values[0] else "")

typ, data = imap.status("Python", "(MESSAGES UIDNEXT)")
print("status", typ, data[0].decode())

imap.store("1", "+FLAGS", r"(\Deleted)")
typ, data = imap.expunge()
print("expunge", typ, data[0].decode() if data[0] else "")

imap.close()
typ, data = imap.logout()
print("logout", typ)
