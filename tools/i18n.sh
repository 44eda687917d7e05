#!/usr/bin/env bash
# Refresh the translation catalogs after changing user-visible strings:
#   bash tools/i18n.sh update   # extract, merge into vi/en/fr, fill en, then translate vi and fr
#   bash tools/i18n.sh compile  # write the .mo files the app reads (commit them)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  update)
    pybabel extract -F babel.cfg -k _l --no-location --sort-output \
      --project hanoi-quiz -o quiz/translations/messages.pot . >/dev/null 2>&1
    pybabel update -i quiz/translations/messages.pot -d quiz/translations \
      --no-fuzzy-matching --ignore-obsolete >/dev/null 2>&1
    python tools/fill_english.py quiz/translations/en/LC_MESSAGES/messages.po
    ;;
  compile)
    pybabel compile -d quiz/translations --statistics
    ;;
  *) echo "usage: $0 update|compile" >&2; exit 2 ;;
esac
