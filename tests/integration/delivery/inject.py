#!/usr/bin/env python3
"""inject.py - put one message into a scrubgate spool's queue/ the way
spool_put does (tmp/ then rename), for tests that have no SMTP door.

  inject.py SPOOLDIR SENDER RCPT... [--route NAME] [--age SECONDS] < MESSAGE

Prints the queue id.  SENDER "" is the null sender.
"""
import os
import sys
import time
import random

args = sys.argv[1:]
route, age = None, 0
if "--route" in args:
    i = args.index("--route"); route = args[i + 1]; del args[i:i + 2]
if "--age" in args:
    i = args.index("--age"); age = int(args[i + 1]); del args[i:i + 2]
spool, sender, rcpts = args[0], args[1], args[2:]
msg = sys.stdin.buffer.read()
now = int(time.time()) - age
qid = "%08X%014X" % (int(time.time()), random.getrandbits(56))
head = ["SCRUBGATE-SPOOL 1", "arrival %d" % now, "next-try %d" % now,
        "attempts 0", "size %d" % len(msg)]
if route:
    head.append("route " + route)
head.append("sender " + sender)
head += ["rcpt " + r for r in rcpts]
head += ["proto test", "error ", ""]
for d in ("tmp", "queue", "dead"):
    os.makedirs(os.path.join(spool, d), mode=0o700, exist_ok=True)
tmp = os.path.join(spool, "tmp", qid)
with open(tmp, "wb") as f:
    f.write(("\n".join(head) + "\n").encode() + msg)
    f.flush()
    os.fsync(f.fileno())
os.rename(tmp, os.path.join(spool, "queue", qid))
print(qid)
