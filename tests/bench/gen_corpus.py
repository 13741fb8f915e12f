#!/usr/bin/env python3
"""gen_corpus - a deterministic mbox of synthetic support mail for `make bench`.

Usage: gen_corpus.py OUT.mbox [MB] [TEXT_OUT]

Writes about MB megabytes (default 200) of mixed support mail to OUT.mbox:
plain-text requests and replies, HTML newsletters-style replies with a text
alternative, pasted application logs, base64 log attachments (app.log),
small binary attachments (PNG/PDF-like bytes), and forwarded messages
(message/rfc822).  Personal data is sprinkled at about one item per 2 KiB
of text: e-mail addresses, phone numbers in several national formats,
IPv4/IPv6 addresses, IBANs with valid mod-97 check digits, card numbers
with valid Luhn digits, Swedish personnummer, Czech rodne cislo, UK NINOs.
Look-alikes that must survive (versions, dates, order numbers, UUIDs,
hashes, error codes) are everywhere too.

TEXT_OUT, if given, receives the decoded text bodies (the text a scrubber
has to read), one form feed line between messages, for reference tools
that take plain text (redact-pii).
Python standard library only; the seed is fixed, so the output is the same
byte for byte on every run.
"""
import base64
import random
import sys

R = random.Random(20240314)

FIRST = ['Anna', 'Lars', 'Maria', 'Jan', 'Eva', 'Peter', 'Olivia', 'Karl', 'Sara', 'Erik',
         'Jiri', 'Petra', 'Luca', 'Giulia', 'Tomas', 'Ingrid', 'James', 'Emily', 'Noah', 'Mia']
LAST = ['Svensson', 'Berg', 'Rossi', 'Novak', 'Lind', 'Jones', 'Bennett', 'Holm', 'Lund',
        'Dvorak', 'Bianchi', 'Ek', 'Smith', 'Taylor', 'Fischer', 'Weber', 'Horak', 'Sund']
DOMAINS = ['kund.example', 'foretag.example', 'esempio.example', 'beispiel.example',
           'firma.example', 'example.com', 'example.org', 'mail.example.net']

PROSE = [
    "Hi team, thanks for getting back to me so quickly.",
    "I tried the steps from the knowledge base article but the export still fails.",
    "The problem started after we upgraded to version 17.1.2 last Tuesday.",
    "Could you please have a look at the attached log file and let me know?",
    "We are running build 10.0.19045.3570 on all of our workstations.",
    "Our order #123456789 from 2024-03-15 was charged twice ($1,234.56).",
    "As discussed on the phone, the invoice INV-2024-000123 is still open.",
    "The error code shown is 0x80070005 (access denied).",
    "Ticket 100042 was closed without a resolution, which is frustrating.",
    "Please escalate this to second line support if needed.",
    "The release 4.18.0.1 notes do not mention this regression at all.",
    "It happens every morning at 09:15 when the nightly sync has finished.",
    "Our licence covers 250 seats and renews on 2025-01-31 for EUR 12.400,00.",
    "The request id was 3f2504e0-4f89-11d3-9a0c-0305e82c3301 according to the portal.",
    "I attached a screenshot; the dialog says 'Unable to connect (code 10061)'.",
    "We rebooted the server twice and cleared the cache, no change.",
    "Thank you for your patience while we investigate this issue.",
    "Our engineers reproduced the problem in the staging environment.",
    "A fix is planned for the 17.2 maintenance release in April.",
    "In the meantime, please use the workaround described in KB-4821.",
]

LOG = [
    "{ts} INFO  [main] c.e.app.Server - started in {n} ms (pid {pid})",
    "{ts} WARN  worker-{w} queue depth {n} exceeds 1000, retry {r}/5",
    "{ts} ERROR [http-nio-8080-exec-{w}] request {uuid} failed",
    "\tat com.example.export.Writer.flush(Writer.java:{line})",
    "\tat com.example.export.Job.run(Job.java:{line})",
    "{ts} DEBUG cache hit ratio 0.{r}731 size 65536 evictions {w}",
    "{ts} INFO  sha256={sha} verified",
    "{ts} INFO  upgrade 17.1.2 -> 17.1.3 completed, schema v{r}",
]


def luhn_digit(s):
    total = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban(cc, bban):
    n = int(''.join(str(int(ch, 36)) for ch in bban + cc + '00'))
    return cc + '%02d' % (98 - n % 97) + bban


def group4(s):
    return ' '.join(s[i:i + 4] for i in range(0, len(s), 4))


def make_email():
    f, l = R.choice(FIRST).lower(), R.choice(LAST).lower()
    sep = R.choice(['.', '_', '', '.'])
    plus = '+support' if R.random() < 0.1 else ''
    return '%s%s%s%s@%s' % (f, sep, l, plus, R.choice(DOMAINS))


def make_phone():
    d = lambda n: ''.join(R.choice('0123456789') for _ in range(n))
    return R.choice([
        lambda: '+46 70 %s %s %s' % (d(3), d(2), d(2)),
        lambda: '070-%s %s %s' % (d(3), d(2), d(2)),
        lambda: '+420 601 %s %s' % (d(3), d(3)),
        lambda: '+49 30 %s' % d(8),
        lambda: '(212) 555-%s' % d(4),
        lambda: '+44 20 7946 %s' % d(4),
        lambda: '+39 02 %s %s' % (d(4), d(4)),
    ])()


def make_iban():
    cc, n = R.choice([('SE', 20), ('DE', 18), ('CZ', 20), ('SK', 20)])
    raw = iban(cc, ''.join(R.choice('0123456789') for _ in range(n)))
    return group4(raw) if R.random() < 0.7 else raw


def make_card():
    body = R.choice(['4', '51', '52', '55']) + ''.join(R.choice('0123456789') for _ in range(13))
    body = body[:15]
    num = body + luhn_digit(body)
    return group4(num) if R.random() < 0.6 else num


def make_pnr():
    s = '%02d%02d%02d%03d' % (R.randint(40, 99), R.randint(1, 12), R.randint(1, 28), R.randint(0, 999))
    return s[:6] + '-' + s[6:] + luhn_digit(s)


def make_rc():
    while True:
        s = '%02d%02d%02d%03d' % (R.randint(54, 99), R.choice([R.randint(1, 12), R.randint(51, 62)]),
                                   R.randint(1, 28), R.randint(0, 999))
        for c in '0123456789':
            if int(s + c) % 11 == 0:
                return s[:6] + '/' + s[6:] + c


def make_ip():
    if R.random() < 0.8:
        return '%d.%d.%d.%d' % (R.randint(11, 223), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))
    return '2001:db8:%x:%x::%x' % (R.randint(1, 0xffff), R.randint(1, 0xffff), R.randint(1, 0xffff))


def make_nino():
    return '%s%s %02d %02d %02d %s' % (R.choice('ABCEHJKLMNOPRSTWXYZ'), R.choice('ABCEHJKLMNPRSTWXYZ'),
                                       R.randint(0, 99), R.randint(0, 99), R.randint(0, 99), R.choice('ABCD'))


PII_MAKERS = [(make_email, 30), (make_phone, 20), (make_ip, 12), (make_iban, 10), (make_card, 8),
              (make_pnr, 8), (make_rc, 6), (make_nino, 6)]
PII_POOL = []
for fn, weight in PII_MAKERS:
    PII_POOL += [fn() for _ in range(weight * 40)]
PII_TEMPLATES = ["Please contact me at {}.", "My number is {}.", "Reference: {}", "({})",
                 "You can reach my colleague on {} today.", "Account {} was debited."]


def pii_sentence():
    return R.choice(PII_TEMPLATES).format(R.choice(PII_POOL))


class Text:
    """Builds text with about one personal-data item per 2 KiB."""

    def __init__(self):
        self.parts = []
        self.size = 0
        self.budget = R.randint(0, 2048)

    def add(self, s):
        self.parts.append(s)
        self.size += len(s)
        self.budget -= len(s)
        if self.budget <= 0:
            p = pii_sentence() + ' '
            self.parts.append(p)
            self.size += len(p)
            self.budget += R.randint(1024, 3072)

    def prose(self, target):
        line = 0
        while self.size < target:
            self.add(R.choice(PROSE) + ' ')
            line += 1
            if line % 2 == 0:
                self.parts.append('\n')
            if line % 8 == 0:
                self.parts.append('\n')

    def log(self, target):
        sec = R.randint(0, 80000)
        while self.size < target:
            sec += R.randint(0, 3)
            ts = '2024-03-%02d %02d:%02d:%02d,%03d' % (15, sec // 3600 % 24, sec // 60 % 60, sec % 60,
                                                       R.randint(0, 999))
            self.add(R.choice(LOG).format(
                ts=ts, n=R.randint(100, 9999), pid=R.randint(1000, 65000), w=R.randint(1, 16),
                r=R.randint(1, 9), line=R.randint(10, 2000), uuid=UUIDS[R.randint(0, 63)],
                sha=SHAS[R.randint(0, 63)]) + '\n')

    def text(self):
        return ''.join(self.parts)


UUIDS = ['%08x-%04x-4%03x-%04x-%012x' % (R.getrandbits(32), R.getrandbits(16), R.getrandbits(12),
                                         R.getrandbits(16) | 0x8000, R.getrandbits(48)) for _ in range(64)]
SHAS = ['%064x' % R.getrandbits(256) for _ in range(64)]


def wrap(text, width=76):
    """Fold long prose lines (the generator's own text only)."""
    out = []
    for para in text.split('\n'):
        while len(para) > width:
            cut = para.rfind(' ', 0, width)
            if cut <= 0:
                cut = width
            out.append(para[:cut].rstrip())
            para = para[cut + 1:]
        out.append(para.rstrip())
    return '\n'.join(out)


def person():
    f, l = R.choice(FIRST), R.choice(LAST)
    return '%s %s' % (f, l), '%s.%s@%s' % (f.lower(), l.lower(), R.choice(DOMAINS))


def headers(n, subject, ctype, extra=''):
    name, addr = person()
    h = ('Received: from mail.%s (mail.%s [%s])\n\tby mx.helpdesk.example (Postfix) with ESMTPS id %X\n'
         '\tfor <support@helpdesk.example>; Fri, 15 Mar 2024 10:%02d:%02d +0100\n'
         % (addr.split('@')[1], addr.split('@')[1], make_ip(), R.getrandbits(40), n % 60, n * 7 % 60))
    h += 'From: %s <%s>\nTo: Support <support@helpdesk.example>\n' % (name, addr)
    if R.random() < 0.3:
        cn, ca = person()
        h += 'Cc: %s <%s>\n' % (cn, ca)
    h += ('Date: Fri, 15 Mar 2024 10:%02d:%02d +0100\nMessage-ID: <%d.%x@%s>\nSubject: %s\n'
          'MIME-Version: 1.0\n%s%s' % (n % 60, n * 7 % 60, n, R.getrandbits(32), addr.split('@')[1],
                                        subject, extra, ctype))
    return h, addr


SUBJECTS = ['Export fails after upgrade', 'Invoice question', 'Re: Ticket 100042', 'Login problem',
            'Crash log attached', 'Fwd: order confirmation', 'Licence renewal', 'Sync error 0x80070005']


def b64(data):
    return base64.encodebytes(data).decode('ascii')


def msg_plain(n, texts):
    t = Text()
    t.prose(R.randint(1500, 8000))
    body = wrap(t.text())
    texts.append(body)
    h, _ = headers(n, R.choice(SUBJECTS), 'Content-Type: text/plain; charset=utf-8\n'
                   'Content-Transfer-Encoding: 8bit\n')
    return h + '\n' + body + '\n'


def msg_html(n, texts):
    t = Text()
    t.prose(R.randint(3000, 12000))
    plain = wrap(t.text())
    texts.append(plain)
    paras = ''.join('<p style="margin:0 0 12px 0;font-size:14px">%s</p>\n' % p
                    for p in plain.split('\n\n') if p)
    html = ('<html><body><table width="600" cellpadding="0"><tr><td>\n%s'
            '<a href="https://support.example.com/kb/article/4821">Read more</a></td></tr></table>\n'
            '<div class="footer">&copy; 2024 Example Corp</div></body></html>\n' % paras)
    html = wrap(html, 200)
    h, _ = headers(n, R.choice(SUBJECTS), 'Content-Type: multipart/alternative; boundary="alt-%d"\n' % n)
    return (h + '\n--alt-%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n--alt-%d\n'
            'Content-Type: text/html; charset=utf-8\n\n%s\n--alt-%d--\n' % (n, plain, n, html, n))


def msg_pasted_log(n, texts):
    t = Text()
    t.prose(R.randint(400, 1200))
    t.parts.append('\n\nHere is the log:\n\n')
    t.log(t.size + R.randint(8000, 40000))
    body = t.text()
    texts.append(body)
    h, _ = headers(n, 'Crash log', 'Content-Type: text/plain; charset=utf-8\n')
    return h + '\n' + body + '\n'


def msg_log_attachment(n, texts):
    t = Text()
    t.prose(R.randint(300, 900))
    intro = wrap(t.text())
    lg = Text()
    lg.log(R.randint(15000, 80000))
    log = lg.text()
    texts += [intro, log]
    h, _ = headers(n, 'Crash log attached', 'Content-Type: multipart/mixed; boundary="mix-%d"\n' % n)
    return (h + '\n--mix-%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n--mix-%d\n'
            'Content-Type: text/plain; charset=utf-8; name="app.log"\n'
            'Content-Disposition: attachment; filename="app.log"\nContent-Transfer-Encoding: base64\n\n'
            '%s\n--mix-%d--\n' % (n, intro, n, b64(log.encode()), n))


def msg_binary(n, texts):
    t = Text()
    t.prose(R.randint(300, 1500))
    intro = wrap(t.text())
    texts.append(intro)
    kind = R.choice([('image/png', 'screenshot.png', b'\x89PNG\r\n\x1a\n'),
                     ('application/pdf', 'invoice.pdf', b'%PDF-1.4\n')])
    data = kind[2] + R.randbytes(R.randint(2000, 24000))
    h, _ = headers(n, 'Screenshot', 'Content-Type: multipart/mixed; boundary="bin-%d"\n' % n)
    return (h + '\n--bin-%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n--bin-%d\n'
            'Content-Type: %s; name="%s"\nContent-Disposition: attachment; filename="%s"\n'
            'Content-Transfer-Encoding: base64\n\n%s\n--bin-%d--\n'
            % (n, intro, n, kind[0], kind[1], kind[1], b64(data), n))


def msg_forward(n, texts):
    inner = msg_plain(n + 1000000, texts)
    t = Text()
    t.prose(R.randint(200, 600))
    intro = wrap(t.text())
    texts.append(intro)
    h, _ = headers(n, 'Fwd: order confirmation', 'Content-Type: multipart/mixed; boundary="fwd-%d"\n' % n)
    return (h + '\n--fwd-%d\nContent-Type: text/plain; charset=utf-8\n\n%s\n--fwd-%d\n'
            'Content-Type: message/rfc822\n\n%s\n--fwd-%d--\n' % (n, intro, n, inner, n))


KINDS = [(msg_plain, 35), (msg_html, 20), (msg_pasted_log, 15), (msg_log_attachment, 15),
         (msg_binary, 10), (msg_forward, 5)]
KIND_CHOICES = [fn for fn, w in KINDS for _ in range(w)]


def main():
    out = sys.argv[1]
    target = int(float(sys.argv[2]) * 1000000) if len(sys.argv) > 2 else 200000000
    text_out = sys.argv[3] if len(sys.argv) > 3 else None
    size = n = 0
    tf = open(text_out, 'wb') if text_out else None
    with open(out, 'wb') as f:
        while size < target:
            texts = []
            msg = R.choice(KIND_CHOICES)(n, texts)
            data = ('From helpdesk@example.com Fri Mar 15 10:%02d:%02d 2024\n' % (n % 60, n * 7 % 60)
                    + msg + '\n').encode('utf-8')
            f.write(data)
            if tf:
                tf.write(('\n'.join(texts) + '\n\f\n').encode('utf-8'))
            size += len(data)
            n += 1
    if tf:
        tf.close()
    print('%s: %d messages, %.1f MB' % (out, n, size / 1e6))


if __name__ == '__main__':
    main()
