#!/usr/bin/env bash
# The synchronized-start load benchmark (benchmarks/README.md).
#
#   bash benchmarks/run_start.sh                     # 10,000 students, PostgreSQL then SQLite
#   STUDENTS=200 bash benchmarks/run_start.sh        # smoke run
#
# For each database: a fresh database with STUDENTS students holding tokens and
# one open 20-question round (setup_contest.py); `quiz serve` (gunicorn) on
# 127.0.0.1; a short Locust run against GET /healthz (the bare ceiling); the
# Locust run of the synchronized start (locustfile.py StudentUser); the check
# that every acknowledged save is in the database (check_saves.py); a py-spy
# profile of the server during the save phase (2 x PROFILE_SECONDS); a summary (summarize.py).
# Everything goes to 127.0.0.1 only and is bounded in time: Locust stops after
# RUN_TIME_SECONDS even if students are left, and every step has a timeout.
#
# Parameters (environment variables, with defaults):
#   STUDENTS=10000  DATABASES="postgresql sqlite"  WORKERS=4 (gunicorn workers)
#   SPAWN_RATE=1000 (Locust users spawned per second, before the common start)
#   THINK_MIN=0.5 THINK_MAX=3.0 (seconds before each answer save)
#   RUN_TIME_SECONDS=900 (Locust --run-time per database)  REQUEST_TIMEOUT=120
#   LOCUST_PROCESSES=1 (Locust worker processes; >1 uses --processes)
#   HEALTHZ_USERS=64 HEALTHZ_SECONDS=30 (the /healthz ceiling run)
#   PROFILE=1 PROFILE_DELAY=60 PROFILE_SECONDS=20 (py-spy, seconds after the start)
#   PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/quiz_bench  PORT=8765
#   SERVER=quiz (`quiz serve`), or SERVER=variant VARIANT_ARGS="--lean-save ..." for the
#     what-if server of experiments/serve_variant.py (not the shipped app)
#   VENV=/work/venv  OUT=benchmarks/out/run-<UTC time>-n<STUDENTS>
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${VENV:-/work/venv}
PY="$VENV/bin/python"
STUDENTS=${STUDENTS:-10000}
DATABASES=${DATABASES:-"postgresql sqlite"}
WORKERS=${WORKERS:-4}
SPAWN_RATE=${SPAWN_RATE:-1000}
THINK_MIN=${THINK_MIN:-0.5}
THINK_MAX=${THINK_MAX:-3.0}
RUN_TIME_SECONDS=${RUN_TIME_SECONDS:-900}
REQUEST_TIMEOUT=${REQUEST_TIMEOUT:-120}
LOCUST_PROCESSES=${LOCUST_PROCESSES:-1}
HEALTHZ_USERS=${HEALTHZ_USERS:-64}
HEALTHZ_SECONDS=${HEALTHZ_SECONDS:-30}
PROFILE=${PROFILE:-1}
PROFILE_DELAY=${PROFILE_DELAY:-60}
PROFILE_SECONDS=${PROFILE_SECONDS:-20}
PG_URL=${PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/quiz_bench}
PORT=${PORT:-8765}
SERVER=${SERVER:-quiz}
VARIANT_ARGS=${VARIANT_ARGS:-}
OUT=${OUT:-$HERE/out/run-$(date -u +%Y%m%dT%H%M%SZ)-n$STUDENTS}

case "$PG_URL" in
  *127.0.0.1*|*localhost*) ;;
  *) echo "PG_URL must point at 127.0.0.1" >&2; exit 2 ;;
esac
case "$PG_URL" in
  */quiz_test|*/postgres) echo "refusing to use $PG_URL" >&2; exit 2 ;;
esac

mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export QUIZ_INSTANCE_PATH="$OUT/instance"
export QUIZ_SECRET_KEY=${QUIZ_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')}
export QUIZ_RATELIMIT_ENABLED=false
unset QUIZ_REDIS_URL || true

LOCUST_DIST=()
if [ "$LOCUST_PROCESSES" -gt 1 ]; then
  LOCUST_DIST=(--processes "$LOCUST_PROCESSES")
fi

SERVER_PGID=""
SAMPLER_PID=""
stop_server() {
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; fi
  if [ -n "$SERVER_PGID" ]; then
    kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 -- "-$SERVER_PGID" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
    SERVER_PGID=""
  fi
}
trap stop_server EXIT INT TERM

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: SERVER=$SERVER VARIANT_ARGS=\"$VARIANT_ARGS\" STUDENTS=$STUDENTS DATABASES=\"$DATABASES\" WORKERS=$WORKERS SPAWN_RATE=$SPAWN_RATE THINK_MIN=$THINK_MIN THINK_MAX=$THINK_MAX RUN_TIME_SECONDS=$RUN_TIME_SECONDS LOCUST_PROCESSES=$LOCUST_PROCESSES HEALTHZ_USERS=$HEALTHZ_USERS HEALTHZ_SECONDS=$HEALTHZ_SECONDS bash benchmarks/run_start.sh"
  echo "nproc: $(nproc)"
  echo "memory: $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "kernel: $(uname -r)"
  echo "python: $("$PY" -V 2>&1)"
  echo "postgresql: $(psql -h 127.0.0.1 -U postgres -Atc 'show server_version' 2>/dev/null || echo '?')"
  echo "sqlite: $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "locust: $("$VENV/bin/locust" --version 2>&1 | head -1)"
  echo "gunicorn: $("$PY" -c 'import gunicorn; print(gunicorn.__version__)')"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" status --porcelain -- quiz migrations | wc -l) uncommitted paths in quiz/ and migrations/)"
  echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

for DB in $DATABASES; do
  DIR="$OUT/$DB"
  mkdir -p "$DIR"
  case "$DB" in
    postgresql) URL="$PG_URL" ;;
    sqlite) URL="sqlite:///$DIR/quiz.db" ;;
    *) echo "unknown database $DB" >&2; exit 2 ;;
  esac
  echo "== $DB: setting up $STUDENTS students"
  timeout 600 "$PY" "$HERE/setup_contest.py" "$URL" "$STUDENTS" --out "$DIR"
  ROUND_ID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["round_id"])' "$DIR/contest.json")

  case "$SERVER" in
    quiz) SERVE=("$VENV/bin/quiz" serve) ;;
    # shellcheck disable=SC2206  # VARIANT_ARGS is a list of flags
    variant) SERVE=("$PY" "$HERE/experiments/serve_variant.py" $VARIANT_ARGS) ;;
    *) echo "unknown SERVER $SERVER" >&2; exit 2 ;;
  esac
  echo "== $DB: starting ${SERVE[*]} on 127.0.0.1:$PORT with $WORKERS workers"
  QUIZ_DATABASE_URL="$URL" setsid "${SERVE[@]}" --host 127.0.0.1 --port "$PORT" \
    --workers "$WORKERS" > "$DIR/server.log" 2>&1 &
  SERVER_PGID=$!
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null
  sleep 2  # let every worker boot

  "$PY" "$HERE/cpu_sampler.py" --server-pgid "$SERVER_PGID" --out "$DIR/cpu.csv" \
    --interval 2 --max-seconds $((RUN_TIME_SECONDS + HEALTHZ_SECONDS + 300)) &
  SAMPLER_PID=$!

  echo "== $DB: /healthz ceiling, $HEALTHZ_USERS users, ${HEALTHZ_SECONDS}s"
  date +%s > "$DIR/healthz.start"
  timeout $((HEALTHZ_SECONDS + 60)) "$VENV/bin/locust" -f "$HERE/locustfile.py" HealthzUser \
    --headless -u "$HEALTHZ_USERS" -r "$HEALTHZ_USERS" --run-time "${HEALTHZ_SECONDS}s" \
    --stop-timeout 5 --host "http://127.0.0.1:$PORT" --csv "$DIR/healthz" \
    --only-summary --logfile "$DIR/healthz.log" "${LOCUST_DIST[@]}" || true
  date +%s > "$DIR/healthz.end"

  START_AT=$(( $(date +%s) + 10 + (STUDENTS + SPAWN_RATE - 1) / SPAWN_RATE + 5 ))
  echo "== $DB: $STUDENTS students, synchronized start at $(date -u -d "@$START_AT" +%H:%M:%SZ)"
  echo "$START_AT" > "$DIR/start_at"
  PROFILER_PGID=""
  if [ "$PROFILE" = 1 ]; then
    # Its own process group, so that it can be stopped with its sleep and py-spy.
    setsid bash -c '
      wait_for=$(( $1 - $(date +%s) )); [ "$wait_for" -gt 0 ] && sleep "$wait_for"
      # First every thread (waits included), then only the threads holding the GIL.
      timeout $(( $2 + 30 )) "$3" record --pid "$4" --subprocesses --duration "$2" \
        --rate 100 --format raw -o "$5/pyspy.txt" --nonblocking
      timeout $(( $2 + 30 )) "$3" record --pid "$4" --subprocesses --duration "$2" \
        --rate 100 --format raw -o "$5/pyspy-gil.txt" --nonblocking --gil
    ' profiler $((START_AT + PROFILE_DELAY)) "$PROFILE_SECONDS" "$VENV/bin/py-spy" \
      "$SERVER_PGID" "$DIR" > "$DIR/pyspy.log" 2>&1 &
    PROFILER_PGID=$!
  fi
  BENCH_TOKENS="$DIR/tokens.txt" BENCH_ROUND_ID="$ROUND_ID" BENCH_OUT="$DIR" \
  BENCH_START_AT="$START_AT" BENCH_THINK_MIN="$THINK_MIN" BENCH_THINK_MAX="$THINK_MAX" \
  BENCH_TIMEOUT="$REQUEST_TIMEOUT" BENCH_PROCESSES="$LOCUST_PROCESSES" \
  timeout $((RUN_TIME_SECONDS + 120)) "$VENV/bin/locust" -f "$HERE/locustfile.py" StudentUser \
    --headless -u "$STUDENTS" -r "$SPAWN_RATE" --run-time "${RUN_TIME_SECONDS}s" \
    --stop-timeout 30 --host "http://127.0.0.1:$PORT" --csv "$DIR/locust" --csv-full-history \
    --only-summary --logfile "$DIR/locust.log" "${LOCUST_DIST[@]}" || true
  date +%s > "$DIR/locust.end"
  if [ -n "$PROFILER_PGID" ]; then
    if [ "$(date +%s)" -lt $((START_AT + PROFILE_DELAY)) ]; then
      kill -TERM -- "-$PROFILER_PGID" 2>/dev/null || true  # not started: the run was shorter
    fi
    wait "$PROFILER_PGID" 2>/dev/null || true  # else let py-spy finish (it has a timeout)
  fi
  stop_server

  echo "== $DB: checking acknowledged saves against the database"
  timeout 300 "$PY" "$HERE/check_saves.py" "$URL" "$DIR" > "$DIR/check.log" 2>&1 || true
  tail -1 "$DIR/check.log"
  timeout 120 "$PY" "$HERE/summarize.py" "$DIR" || true
done

echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
echo "== results in $OUT"
