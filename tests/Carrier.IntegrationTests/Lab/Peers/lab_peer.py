#!/usr/bin/python3
"""SMTP peers for the routing lab, built on aiosmtpd.

One process plays several mail hosts, each on its own address and port. A test scripts each host through a
control port (one JSON object per line, one JSON reply per line):

  {"op": "mode", "peer": "mx", "mode": "accept"}    accept and record every message (the default)
                                  "down"             close the listening socket: connections are refused
                                  "greet421"         answer every connection with 421 and hang up
                                  "greet554"         answer every connection with 554 and hang up
                                  "silent"           accept connections and never say a word
  {"op": "refuse", "peer": "mx", "rcpt": "x@d", "reply": "550 5.1.1 no such user"}
  {"op": "tls", "peer": "mx", "cert": "/path/cert.pem", "key": "/path/key.pem"}
                                                     offer STARTTLS with this certificate ("cert": null: stop offering it)
  {"op": "messages", "peer": "mx"}                   what the host received so far (each with "tls": whether it came over TLS)
  {"op": "reset"}                                    every host back to "accept", nothing recorded

Usage: lab_peer.py CONTROL_HOST:PORT NAME=HOST:PORT [NAME=HOST:PORT ...]
Prints "ready" once every socket is listening.
"""

import asyncio
import base64
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP

MAX_MESSAGES = 1000
MAX_CONTROL_LINE = 65536


class Host:
    def __init__(self, name, address, port):
        self.name = name
        self.address = address
        self.port = port
        self.mode = "accept"
        self.refusals = {}
        self.messages = []
        self.server = None
        self.tls_context = None

    async def listen(self):
        if self.server is None:
            loop = asyncio.get_running_loop()
            self.server = await loop.create_server(self.connection, self.address, self.port, reuse_address=True)

    async def close(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    def connection(self):
        if self.mode == "greet421":
            return Greeting(f"421 4.3.2 {self.name} is busy, try again later\r\n")
        if self.mode == "greet554":
            return Greeting(f"554 5.3.2 {self.name} does not accept mail now\r\n")
        if self.mode == "silent":
            return Silent()
        return SMTP(Recorder(self), hostname=self.name, decode_data=False, enable_SMTPUTF8=False, tls_context=self.tls_context)

    def set_tls(self, cert, key):
        if cert is None:
            self.tls_context = None
            return
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.tls_context = context

    async def set_mode(self, mode):
        if mode not in ("accept", "down", "greet421", "greet554", "silent"):
            raise ValueError(f"unknown mode {mode}")
        self.mode = mode
        if mode == "down":
            await self.close()
        else:
            await self.listen()


class Greeting(asyncio.Protocol):
    def __init__(self, line):
        self.line = line

    def connection_made(self, transport):
        transport.write(self.line.encode("ascii"))
        transport.close()


class Silent(asyncio.Protocol):
    """Holds the connection open and says nothing, like a host whose server hangs."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        pass


class Recorder:
    def __init__(self, host):
        self.host = host

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.host.refusals.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if len(self.host.messages) < MAX_MESSAGES:
            self.host.messages.append({
                "helo": session.host_name,
                "from": envelope.mail_from,
                "mail_options": envelope.mail_options,
                "rcpts": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "data": base64.b64encode(envelope.original_content or envelope.content).decode("ascii"),
            })
        return f"250 2.0.0 Ok: queued on {self.host.name}"


async def control(hosts, reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line or len(line) > MAX_CONTROL_LINE:
                break
            try:
                reply = await command(hosts, json.loads(line))
            except Exception as error:  # a bad command is answered, never fatal
                reply = {"error": str(error)}
            writer.write((json.dumps(reply) + "\n").encode("utf-8"))
            await writer.drain()
    finally:
        writer.close()


async def command(hosts, request):
    op = request.get("op")
    if op == "reset":
        for host in hosts.values():
            host.refusals.clear()
            host.messages.clear()
            host.set_tls(None, None)
            await host.set_mode("accept")
        return {"ok": True}
    host = hosts[request["peer"]]
    if op == "mode":
        await host.set_mode(request["mode"])
        return {"ok": True}
    if op == "refuse":
        host.refusals[request["rcpt"].lower()] = request["reply"]
        return {"ok": True}
    if op == "tls":
        host.set_tls(request.get("cert"), request.get("key"))
        return {"ok": True}
    if op == "messages":
        return {"messages": host.messages}
    raise ValueError(f"unknown op {op}")


async def main(arguments):
    control_host, control_port = arguments[0].rsplit(":", 1)
    hosts = {}
    for spec in arguments[1:]:
        name, endpoint = spec.split("=", 1)
        address, port = endpoint.rsplit(":", 1)
        hosts[name] = Host(name, address, int(port))
    for host in hosts.values():
        await host.listen()
    server = await asyncio.start_server(lambda r, w: control(hosts, r, w), control_host, int(control_port), limit=MAX_CONTROL_LINE)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
