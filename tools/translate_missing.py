"""Apply translations for entries still empty in the vi and fr catalogs.

Usage: python tools/translate_missing.py TRANSLATIONS.py
TRANSLATIONS.py defines T = {msgid: (vietnamese, french)}. Entries already
translated are left alone; entries still missing afterwards are listed.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

CATALOGS = {"vi": 0, "fr": 1}


def main(path: str) -> int:
    table = runpy.run_path(path)["T"]
    missing = 0
    for locale, column in CATALOGS.items():
        po = f"quiz/translations/{locale}/LC_MESSAGES/messages.po"
        with open(po, "rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and not message.string and message.id in table:
                message.string = table[message.id][column]
            if message.id and not message.string:
                print(f"{locale}: still missing: {message.id!r}")
                missing += 1
        with open(po, "wb") as handle:
            write_po(handle, catalog, sort_output=True, width=100)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
