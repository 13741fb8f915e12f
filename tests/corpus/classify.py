#!/usr/bin/env python3
"""classify - sort the shared corpus into what the corpus test feeds scrubgate.

Usage: classify.py CORPUS_DIR
Prints one line per input, tab-separated: KIND<TAB>PATH, where KIND is
  M  a single RFC 5322 message (fed to the in-process checker)
  B  an mbox file (fed to `scrubgate scrub` as a whole)
  D  a Maildir (a directory with cur/, fed to `scrubgate scrub`)
Licences, READMEs, provenance notes and upstream expected-result files
(JSON, XML, re-serialisations, decoded parts, summaries, attachment
originals) are skipped: they are not mail.  The classification is by path
rules first, then by content (an mbox starts with "From ", a message with
a header field), so new corpus files are picked up without edits here.
"""
import os
import re
import sys

SKIP_NAMES = re.compile(
    r'^(LICENSE|LICENCE|COPYING|README|NOTICE|SOURCES|ARTISTIC-LICENSE|'
    r'MIT-LICENSE|UPSTREAM-NAMES|\.gitattributes)', re.I)
SKIP_SUFFIX = ('.json', '.xml', '.md', '.png', '.jpg', '.jpeg', '.gif',
               '.doc', '.pdf', '.zip', '.gz', '.bz2', '.tgz')
SKIP_PARTS = (
    '/parser/output/', '/summary/output/',       # mailcore2 expected results
    '/charset-filters/', '/mbox/output/',        # gmime vectors, expected mbox
    '/flanker/addresses/',                       # address lists
    '/emails/files/',                            # mail-mime-parser originals
    '/mimekit/encoders/',                        # decoder vectors
    '/mailcore2/charset-detection/',             # bare text samples
)
SKIP_RE = re.compile(r'(_decoded(_[0-9_]+)?\.(txt|bin|xml)$)|(-summary\.txt$)')
HEADER_RE = re.compile(rb'^[!-9;-~]+[ \t]*:')


def skipped(rel, name):
    if SKIP_NAMES.match(name) or name.lower().endswith(SKIP_SUFFIX):
        return True
    if SKIP_RE.search(name):
        return True
    if '/mime4j/' in rel and name.endswith('.out'):  # round-trip expectations
        return True
    return any(p in rel for p in SKIP_PARTS)


def kind_of(path):
    try:
        with open(path, 'rb') as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head:
        return 'M'              # an empty file is an (empty) message too
    if head.startswith(b'From '):
        return 'B'
    if HEADER_RE.match(head):
        return 'M'
    return None


def main():
    root = os.path.abspath(sys.argv[1])
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        if 'cur' in dirs and ('new' in dirs or 'tmp' in dirs):
            out.append(('D', d))
        for name in sorted(files):
            if name.startswith('.'):    # Maildir markers, .gitattributes
                continue
            path = os.path.join(d, name)
            rel = '/' + os.path.relpath(path, root)
            rel = '/' + os.path.basename(root) + rel
            if skipped(rel, name):
                continue
            k = kind_of(path)
            if k:
                out.append((k, path))
    for k, p in out:
        print('%s\t%s' % (k, p))


if __name__ == '__main__':
    main()
