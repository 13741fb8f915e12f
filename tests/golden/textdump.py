#!/usr/bin/env python3
"""textdump - the readable text of a message, for golden checks.

Usage: textdump.py FILE

Prints, in UTF-8, what a reader of the message would see: every header of
every (sub)message unfolded and with RFC 2047 encoded words decoded, the body of every
text part after undoing the transfer encoding and the charset, and for
HTML also the text with tags removed and entities undone, plus attribute
values (mailto: links).  Attachments with a text-looking file name are
decoded as text too.  It uses Python's email package, which is independent
of libetpan: a second opinion on what scrubgate wrote.
"""
import email
import email.header
import html.parser
import re
import sys

TEXT_EXT = ('.txt', '.log', '.csv', '.json', '.xml', '.htm', '.html')


class HtmlText(html.parser.HTMLParser):
    """Collects text nodes (joined without separators, so a tag inside a
    value does not split it) and attribute values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.attrs.extend(v for _, v in attrs if v)

    def handle_data(self, data):
        self.text.append(data)


def header_text(value):
    """Unfolded (CRLF before white space removed), encoded words decoded."""
    value = re.sub(r'\r?\n(?=[ \t])', '', str(value))
    try:
        parts = email.header.decode_header(str(value))
        return str(email.header.make_header(parts))
    except Exception:                       # malformed words: show as is
        return str(value)


def part_text(part):
    raw = part.get_payload(decode=True)
    if raw is None:
        return None
    charset = part.get_content_charset() or 'utf-8'
    try:
        return raw.decode(charset, errors='replace')
    except LookupError:
        return raw.decode('utf-8', errors='replace')


def dump(msg, out):
    for part in msg.walk():
        for name, value in part.items():
            out.append('%s: %s' % (name, header_text(value)))
        if part.get_filename() is not None:   # RFC 2231 decoded
            out.append('filename: %s' % part.get_filename())
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        fname = (part.get_filename() or '').lower()
        if not (ctype.startswith('text/') or fname.endswith(TEXT_EXT)):
            continue
        text = part_text(part)
        if text is None:
            continue
        out.append(text)
        if ctype == 'text/html':
            p = HtmlText()
            p.feed(text)
            p.close()
            out.append(''.join(p.text))
            out.extend(p.attrs)


def main():
    with open(sys.argv[1], 'rb') as f:
        msg = email.message_from_binary_file(f)
    out = []
    dump(msg, out)
    sys.stdout.buffer.write('\n'.join(out).encode('utf-8', 'replace') + b'\n')


if __name__ == '__main__':
    main()
