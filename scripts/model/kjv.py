#!/usr/bin/env python3
"""Extract the King James Bible from Debian's `bible-kjv` program into plain training text.

`bible -f "Gen1:1-Rev22:21"` (pretty-printing toggled off) prints one verse per line as
    <book abbreviation><chapter>:<verse> <text>        e.g.  "1Sm1:3 And this man went up ..."
We strip the reference and keep the verse text, one verse per line, '\n' line ends, nothing else:
no book or chapter headings and no blank lines. The text is plain ASCII (checked).

The Book of Revelation (abbreviation "Rev", 404 verses) is held out entirely for evaluation; it
is written to a separate file and never trained on.

Usage: kjv.py TRAIN_TXT HELDOUT_TXT
"""

import re
import subprocess
import sys

VERSE_LINE = re.compile(r"^(?P<book>[1-3]?[A-Za-z]+)(?P<chapter>[0-9]+):(?P<verse>[0-9]+) (?P<text>\S.*)$")
HELDOUT_BOOK = "Rev"
EXPECTED_VERSES = 31102      # verses in the KJV (Protestant canon, 66 books)
EXPECTED_BOOKS = 66
EXPECTED_HELDOUT_VERSES = 404


def read_kjv() -> list[tuple[str, str]]:
    """(book abbreviation, verse text) for every verse, in canonical order."""
    out = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True, capture_output=True).stdout
    text = out.decode("ascii")  # raises if the package ever ships non-ASCII text
    verses = []
    for n, line in enumerate(text.splitlines(), 1):
        m = VERSE_LINE.match(line)
        if not m:
            raise ValueError(f"bible output line {n} is not '<ref> <text>': {line[:80]!r}")
        verses.append((m["book"], m["text"].strip()))
    books = list(dict.fromkeys(b for b, _ in verses))
    n_heldout = sum(b == HELDOUT_BOOK for b, _ in verses)
    if len(verses) != EXPECTED_VERSES or len(books) != EXPECTED_BOOKS or n_heldout != EXPECTED_HELDOUT_VERSES:
        raise ValueError(f"unexpected KJV text: {len(verses)} verses, {len(books)} books, "
                         f"{n_heldout} in {HELDOUT_BOOK}")
    return verses


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    verses = read_kjv()
    train = "".join(t + "\n" for b, t in verses if b != HELDOUT_BOOK)
    heldout = "".join(t + "\n" for b, t in verses if b == HELDOUT_BOOK)
    for path, text in ((argv[1], train), (argv[2], heldout)):
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    print(f"kjv: {len(verses)} verses; train {len(train)} bytes, held out ({HELDOUT_BOOK}) {len(heldout)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
