"""Apply translations for entries still empty in the vi and fr catalogs.

Usage: python tools/translate_missing.py TRANSLATIONS.py
TRANSLATIONS.py defines T = {msgid: (vietnamese, french)}; a plural msgid is the
(singular, plural) pair and its values are tuples of forms. Entries already
translated are left alone; entries still missing afterwards are listed.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

CATALOGS = {"vi": 0, "fr": 1}


def is_missing(message: object) -> bool:
    """An entry (plural or not) with any form left empty."""
    string = message.string  # type: ignore[attr-defined]
    if isinstance(string, (tuple, list)):
        return not all(string)
    return not string


def main(path: str) -> int:
    table = runpy.run_path(path)["T"]
    missing = 0
    for locale, column in CATALOGS.items():
        po = f"quiz/translations/{locale}/LC_MESSAGES/messages.po"
        with open(po, "rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and is_missing(message) and message.id in table:
                message.string = table[message.id][column]
            if message.id and is_missing(message):
                print(f"{locale}: still missing: {message.id!r}")
                missing += 1
        with open(po, "wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
