#!/usr/bin/env python3
"""smtpc - the SMTP client side of the scrubgate serve tests (stdlib only).

  smtpc.py send PORT FROM RCPT[,RCPT..] FILE   one message with smtplib;
        prints "CODE TEXT" of the final reply (or of the refusal), exit 0
        on 250
  smtpc.py raw PORT [--tls CAFILE]             read the greeting, send
        stdin in one write, print every reply line until the server closes
        or is quiet for 2 s
  smtpc.py tls PORT CAFILE FILE                STARTTLS (certificate
        verified against CAFILE, name localhost), then send FILE; prints
        the TLS version and the final reply
  smtpc.py inject PORT CAFILE                  "STARTTLS\\r\\nNOOP\\r\\n"
        in one packet, then the handshake: prints what the server said
        after TLS without being asked (must be nothing)
  smtpc.py idle PORT N READYFILE STOPFILE      hold N sessions open and
        greeted; READYFILE once all are up; when STOPFILE appears send
        NOOP on each, print "alive K"
  smtpc.py load PORT N THREADS ACKFILE         N messages "Subject: mNNN"
        from THREADS threads; every subject answered 250 is appended to
        ACKFILE at once (for the kill -9 test); errors are ignored
  smtpc.py slow PORT READYFILE GOFILE          a transaction with half its
        data sent; READYFILE then; the rest when GOFILE appears; prints
        every reply after that
  smtpc.py waitclose PORT READYFILE            an idle session (after
        HELO): prints what the server says until it closes
"""
import os
import smtplib
import socket
import ssl
import sys
import threading
import time


def send(port, sender, rcpts, path):
    data = open(path, "rb").read()
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=60)
        s.ehlo("client.test")
        s.mail(sender)
        for r in rcpts.split(","):
            code, msg = s.rcpt(r)
            if code != 250:
                print(code, msg.decode(errors="replace"))
        code, msg = s.data(data)
        print(code, msg.decode(errors="replace"))
        s.quit()
        return 0 if code == 250 else 1
    except smtplib.SMTPResponseException as e:
        print(e.smtp_code, e.smtp_error.decode(errors="replace"))
        return 1
    except smtplib.SMTPRecipientsRefused as e:
        for r, (code, msg) in e.recipients.items():
            print(code, msg.decode(errors="replace"))
        return 1


def read_all(sock, quiet=2.0):
    sock.settimeout(quiet)
    out = b""
    while True:
        try:
            b = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not b:
            break
        out += b
    return out


def raw(port):
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    greet = f.readline()
    sys.stdout.write(greet.decode(errors="replace").rstrip("\r\n") + "\n")
    s.sendall(sys.stdin.buffer.read())
    out = read_all(s)
    for line in out.decode(errors="replace").split("\r\n"):
        if line:
            print(line)
    return 0


def tls_ctx(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def tls(port, cafile, path):
    s = smtplib.SMTP("localhost", port, timeout=30)
    s.ehlo("client.test")
    s.starttls(context=tls_ctx(cafile))
    print(s.sock.version())
    s.ehlo("client.test")
    s.mail("ann@example.net")
    s.rcpt("support@localhost")
    code, msg = s.data(open(path, "rb").read())
    print(code, msg.decode(errors="replace"))
    s.quit()
    return 0 if code == 250 else 1


def inject(port, cafile):
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"EHLO client.test\r\n")
    while True:
        line = f.readline()
        if line[3:4] == b" ":
            break
    s.sendall(b"STARTTLS\r\nNOOP\r\nNOOP\r\n")
    print(f.readline().decode().rstrip())
    t = tls_ctx(cafile).wrap_socket(s, server_hostname="localhost")
    unasked = read_all(t, 1.5)
    print("unasked: %r" % unasked)
    t.sendall(b"NOOP\r\n")
    print("noop: %s" % read_all(t, 1.5).decode().rstrip())
    return 0


def idle(port, n, ready, stop):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), 30)
        socks.append(s)
    for s in socks:
        s.settimeout(30)
        s.recv(512)
    open(ready, "w").write("%d\n" % len(socks))
    while not os.path.exists(stop):
        time.sleep(0.1)
    alive = 0
    for s in socks:
        try:
            s.sendall(b"NOOP\r\n")
            if s.recv(512).startswith(b"250"):
                alive += 1
        except OSError:
            pass
    print("alive %d" % alive)
    return 0


def load(port, n, threads, ackfile):
    lock = threading.Lock()
    nums = list(range(n))

    def worker():
        while True:
            with lock:
                if not nums:
                    return
                i = nums.pop()
            msg = ("From: ann@example.net\r\nTo: support@localhost\r\n"
                   "Subject: m%05d\r\n\r\nbody %d\r\n" % (i, i)).encode()
            try:
                s = smtplib.SMTP("127.0.0.1", port, timeout=20)
                s.sendmail("ann@example.net", ["support@localhost"], msg)
                with lock:
                    with open(ackfile, "a") as a:
                        a.write("m%05d\n" % i)
                        a.flush()
                s.quit()
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return 0


def slow(port, ready, go):
    """a transaction in progress: data half sent, the rest after GO"""
    s = socket.create_connection(("127.0.0.1", port), 30)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"HELO c\r\nMAIL FROM:<a@b.example>\r\n"
              b"RCPT TO:<support@localhost>\r\nDATA\r\n")
    for _ in range(4):
        f.readline()
    s.sendall(b"Subject: slow\r\n\r\nfirst half\r\n")
    open(ready, "w").write("1\n")
    while not os.path.exists(go):
        time.sleep(0.05)
    s.sendall(b"second half\r\n.\r\nQUIT\r\n")
    print(read_all(s, 10).decode(errors="replace").strip())
    return 0


def waitclose(port, ready):
    """an idle session: print what the server says until it closes"""
    s = socket.create_connection(("127.0.0.1", port), 30)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"HELO c\r\n")
    f.readline()
    open(ready, "w").write("1\n")
    print(read_all(s, 60).decode(errors="replace").strip())
    return 0


def main(a):
    if a[0] == "send":
        return send(int(a[1]), a[2], a[3], a[4])
    if a[0] == "raw":
        return raw(int(a[1]))
    if a[0] == "tls":
        return tls(int(a[1]), a[2], a[3])
    if a[0] == "inject":
        return inject(int(a[1]), a[2])
    if a[0] == "idle":
        return idle(int(a[1]), int(a[2]), a[3], a[4])
    if a[0] == "load":
        return load(int(a[1]), int(a[2]), int(a[3]), a[4])
    if a[0] == "slow":
        return slow(int(a[1]), a[2], a[3])
    if a[0] == "waitclose":
        return waitclose(int(a[1]), a[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
