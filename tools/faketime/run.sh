#!/usr/bin/env bash
# Run a command with the whole process clock moved, as CI does for the test suite:
#
#   bash tools/faketime/run.sh +400d python -m pytest
#
# Uses Debian's libfaketime (apt-get install libfaketime). The monotonic clock is
# left alone (FAKETIME_DONT_FAKE_MONOTONIC=1: timed waits would hang otherwise),
# and monotonic-sleep.c works around libfaketime's handling of absolute
# monotonic sleeps. Browsers started by the tests keep the real clock
# (tests/browser/conftest.py): a phone's clock is never the server's.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 OFFSET COMMAND..." >&2
  exit 2
fi
offset=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
lib=""
for candidate in /usr/lib/*-linux-gnu/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
  if [ -e "$candidate" ]; then lib=$candidate; break; fi
done
if [ -z "$lib" ]; then
  echo "libfaketime is not installed (apt-get install libfaketime)" >&2
  exit 1
fi
build=${TMPDIR:-/tmp}/quiz-faketime-$(id -u)
mkdir -p "$build"
if [ ! -e "$build/monotonic-sleep.so" ] || [ "$here/monotonic-sleep.c" -nt "$build/monotonic-sleep.so" ]; then
  cc -shared -fPIC -O2 -o "$build/monotonic-sleep.so" "$here/monotonic-sleep.c" -ldl
fi
export FAKETIME="$offset"
export FAKETIME_DONT_FAKE_MONOTONIC=1
export LD_PRELOAD="$build/monotonic-sleep.so $lib${LD_PRELOAD:+ $LD_PRELOAD}"
exec "$@"
