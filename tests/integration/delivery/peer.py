#!/usr/bin/env python3
"""peer.py - a tiny SMTP / LMTP next hop for the delivery tests (stdlib).

  peer.py --port N | --unix PATH  [--lmtp] [--cert C --key K [--smtps]]
          [--rcpt ADDR=CODE TEXT]... [--final ADDR=CODE TEXT]...
          --out DIR --ready FILE

Offers STARTTLS when given a certificate (--smtps: TLS from the first
byte).  --rcpt sets the reply to RCPT TO for one address, --final the
end-of-data reply of one recipient (LMTP) or of the message (SMTP: the
first recipient's).  --inject answers STARTTLS with a second reply
line in the same packet (the client must refuse).  --close-after-data
hangs up after each message's reply.  Every command line received is appended to
DIR/commands.log, marked "tls" or "plain", so a test can prove that
nothing was sent in clear.  Each accepted message is DIR/msg.N.eml with
X-Peer-From / X-Peer-To / X-Peer-TLS lines in front.
"""
import argparse
import os
import socket
import socketserver
import ssl
import threading

A = None
LOCK = threading.Lock()
COUNT = [0]


def parse_map(items):
    m = {}
    for it in items or []:
        addr, _, reply = it.partition("=")
        m[addr.lower()] = reply
    return m


class Session(socketserver.StreamRequestHandler):
    def setup(self):
        self.tls = False
        if A.smtps:
            self.request = CTX.wrap_socket(self.request, server_side=True)
            self.tls = True
        super().setup()

    def log(self, line):
        with LOCK, open(os.path.join(A.out, "commands.log"), "a") as f:
            f.write(("tls " if self.tls else "plain ") + line + "\n")

    def send(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        try:
            self.session()
        except (ssl.SSLError, ConnectionError, OSError):
            pass

    def session(self):
        self.send("220 peer.test ESMTP test peer")
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(2000)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log(line)
            verb = line[:4].upper()
            if verb in ("EHLO", "LHLO"):
                if (verb == "LHLO") != A.lmtp:
                    self.send("500 5.5.1 wrong greeting verb")
                    continue
                ext = ["250-peer.test", "250-PIPELINING", "250-8BITMIME",
                       "250-SIZE 100000000"]
                if A.cert and not self.tls and not A.smtps:
                    ext.append("250-STARTTLS")
                ext.append("250 ENHANCEDSTATUSCODES")
                self.send("\r\n".join(ext))
            elif verb == "STAR":
                if not A.cert or self.tls:
                    self.send("502 5.5.1 no")
                    continue
                if A.inject:    # a reply smuggled before the handshake
                    self.send("220 2.0.0 go ahead\r\n250 2.0.0 injected")
                    return
                self.send("220 2.0.0 go ahead")
                self.request = CTX.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                self.tls = True
                sender, rcpts = None, []
            elif verb == "MAIL":
                sender = line[10:].split(">")[0].lstrip("<")
                rcpts = []
                self.send("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = line[8:].split(">")[0].lstrip("<")
                reply = RCPT.get(addr.lower(), "250 2.1.5 ok")
                if reply.startswith("2"):
                    rcpts.append(addr)
                self.send(reply)
            elif verb == "DATA":
                if not rcpts:
                    self.send("554 5.5.1 no valid recipients")
                    continue
                self.send("354 go on")
                self.data(sender, rcpts)
                if A.close_after_data:  # a server that hangs up
                    return
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            elif verb == "RSET":
                sender, rcpts = None, []
                self.send("250 2.0.0 ok")
            else:
                self.send("250 2.0.0 ok")

    def data(self, sender, rcpts):
        body = bytearray()
        while True:
            raw = self.rfile.readline(1 << 20)
            if not raw:
                return
            if raw == b".\r\n":
                break
            if raw.startswith(b"."):
                raw = raw[1:]
            body += raw
        replies = [FINAL.get(r.lower(), "250 2.0.0 queued") for r in rcpts]
        if any(r.startswith("2") for r in replies):
            with LOCK:
                COUNT[0] += 1
                n = COUNT[0]
            head = "X-Peer-From: <%s>\r\nX-Peer-To: %s\r\nX-Peer-TLS: %s\r\n" % (
                sender, ",".join("<%s>" % r for r in rcpts), "yes" if self.tls else "no")
            with open(os.path.join(A.out, "msg.%d.eml" % n), "wb") as f:
                f.write(head.encode() + bytes(body))
        if A.lmtp:
            for r in replies:
                self.send(r)
        else:
            self.send(replies[0])


class TCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


class Unix(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    global A, CTX, RCPT, FINAL
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int)
    p.add_argument("--unix")
    p.add_argument("--lmtp", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--smtps", action="store_true")
    p.add_argument("--inject", action="store_true")
    p.add_argument("--close-after-data", action="store_true")
    p.add_argument("--rcpt", action="append")
    p.add_argument("--final", action="append")
    p.add_argument("--out", required=True)
    p.add_argument("--ready", required=True)
    A = p.parse_args()
    RCPT, FINAL = parse_map(A.rcpt), parse_map(A.final)
    CTX = None
    if A.cert:
        CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        CTX.load_cert_chain(A.cert, A.key)
    os.makedirs(A.out, exist_ok=True)
    if A.unix:
        srv = Unix(A.unix, Session)
    else:
        srv = TCP(("127.0.0.1", A.port), Session)
    with open(A.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()
