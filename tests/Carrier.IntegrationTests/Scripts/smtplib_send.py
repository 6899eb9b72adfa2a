#!/usr/bin/python3
"""Sends messages with Python's smtplib, as a Python program would, and reports every reply as JSON.

Input (stdin, JSON): {"host", "port", "messages": [...]}, and optionally "helo" (the EHLO name) and "source"
(the local address to connect from). A message is either
  {"sender", "recipients": [...], "data_b64", "mail_options": [...], "rcpt_options": [...]}
    sent with the low-level MAIL/RCPT/DATA calls, so that each reply is seen, or
  {"compose": {"from", "to": [...], "subject", "body"}}
    built as an email.message.EmailMessage and given to send_message(), which picks SMTPUTF8 and
    8BITMIME by itself.
All messages go over one session. Output (stdout, JSON): {"features": [...], "results": [...]}.
"""
import base64
import json
import smtplib
import sys
from email.message import EmailMessage


def reply(pair):
    code, text = pair
    return [code, text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)]


def send_raw(session, message):
    result = {}
    result["mail"] = reply(session.mail(message["sender"], message.get("mail_options", [])))
    if result["mail"][0] != 250:
        session.rset()
        return result
    result["rcpt"] = []
    accepted = 0
    for recipient in message["recipients"]:
        code, text = reply(session.rcpt(recipient, message.get("rcpt_options", [])))
        result["rcpt"].append([recipient, code, text])
        accepted += code in (250, 251)
    if accepted == 0:
        session.rset()
        return result
    try:
        result["data"] = reply(session.data(base64.b64decode(message["data_b64"])))
    except smtplib.SMTPDataError as error:
        result["data"] = [error.smtp_code, error.smtp_error.decode("utf-8", "replace")]
    return result


def send_composed(session, spec):
    message = EmailMessage()
    message["From"] = spec["from"]
    message["To"] = ", ".join(spec["to"])
    message["Subject"] = spec["subject"]
    message.set_content(spec["body"])
    refused = session.send_message(message)
    return {"data": [250, "sent"], "refused": {k: reply(v) for k, v in refused.items()}}


def main():
    spec = json.load(sys.stdin)
    results = []
    source = (spec["source"], 0) if "source" in spec else None
    helo = spec.get("helo", "client.example.org")
    with smtplib.SMTP(spec["host"], spec["port"], local_hostname=helo, timeout=60, source_address=source) as session:
        session.ehlo()
        features = sorted(session.esmtp_features.keys())
        for message in spec["messages"]:
            try:
                if "compose" in message:
                    results.append(send_composed(session, message["compose"]))
                else:
                    results.append(send_raw(session, message))
            except smtplib.SMTPServerDisconnected as error:
                results.append({"disconnected": str(error)})
                break
            except smtplib.SMTPResponseException as error:
                results.append({"error": [error.smtp_code, error.smtp_error.decode("utf-8", "replace")]})
    json.dump({"features": features, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
