#!/usr/bin/env bash
# The start benchmark (benchmarks/README.md): a round's synchronized start, over loopback.
#
#   bash benchmarks/run_start.sh                                  # contest day, 10,000 students
#   STUDENTS=200 LOGIN_WINDOW=60 bash benchmarks/run_start.sh     # smoke run
#   MODEL=stress MODE=single bash benchmarks/run_start.sh         # the ceiling
#   KILL_AT=120 bash benchmarks/run_start.sh                      # one server killed mid-round
#
# For each database: a fresh database with STUDENTS students and one 20-question
# round (setup_contest.py); the papers drawn ahead (`quiz papers prepare`); the app
# served by gunicorn (`quiz serve`): two instances behind nginx (MODE=nginx) or one
# (MODE=single); a short Locust run against GET /healthz (the bare ceiling of the same
# server); the Locust run of the model (locustfile.py: ContestStudent or StudentUser);
# optionally SIGKILL of the first instance KILL_AT seconds after the start instant;
# the check that every acknowledged save is in the database (check_saves.py); a
# summary (summarize.py) with a py-spy profile when PROFILE=1.
# Everything listens on 127.0.0.1 only and every step is bounded in time.
#
# Parameters (environment variables, with defaults):
#   MODEL=contest (log in with passwords over LOGIN_WINDOW s, start at one instant, the
#     HTML attempt page, saves THINK_MIN..THINK_MAX s apart as the page sends them, submit)
#     or stress (API tokens, saves 0.5-3 s apart)
#   MODE=nginx (two `quiz serve` of WORKERS/2 workers behind nginx; Redis rate limits)
#     or single (one `quiz serve` of WORKERS workers)
#   STUDENTS=10000  DATABASES="postgresql sqlite"  WORKERS=4 (in total)
#   LOGIN_WINDOW=600  THINK_MIN=20 THINK_MAX=58 (contest) / 0.5 3.0 (stress)
#   RATELIMIT=1 (contest) / 0 (stress): rate limits on, counted in Redis (db 15, emptied)
#   KILL_AT= (seconds after the start instant; MODE=nginx only)
#   SEALED=1 (contest: the round page's script, the sealed paper opened in place);
#     SEALED=0 for browsers without it: the form's post and the HTML attempt page
#   SPAWN_RATE=1000  RUN_TIME_SECONDS (Locust --run-time; default LOGIN_WINDOW + 1800)
#   REQUEST_TIMEOUT=120  LOCUST_PROCESSES=1  HEALTHZ_USERS=64 HEALTHZ_SECONDS=30
#   PROFILE=1 PROFILE_DELAY=0 (contest) / 60 (stress) PROFILE_SECONDS=20
#   MONITOR=1: an organiser keeps the round's live monitor open during the run (its
#     figures fetched every 5 s through the front, timed: monitor.json)
#   PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/quiz_bench  PORT=8765
#   VENV=.venv (or the active one)  OUT=benchmarks/out/run-<UTC>-<MODEL>-n<STUDENTS>
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${VENV:-${VIRTUAL_ENV:-$ROOT/.venv}}
PY="$VENV/bin/python"
MODEL=${MODEL:-contest}
MODE=${MODE:-nginx}
STUDENTS=${STUDENTS:-10000}
DATABASES=${DATABASES:-"postgresql sqlite"}
WORKERS=${WORKERS:-4}
LOGIN_WINDOW=${LOGIN_WINDOW:-600}
case "$MODEL" in
  contest) THINK_MIN=${THINK_MIN:-20}; THINK_MAX=${THINK_MAX:-58}; RATELIMIT=${RATELIMIT:-1}
           PROFILE_DELAY=${PROFILE_DELAY:-0} ;;
  stress)  THINK_MIN=${THINK_MIN:-0.5}; THINK_MAX=${THINK_MAX:-3.0}; RATELIMIT=${RATELIMIT:-0}
           PROFILE_DELAY=${PROFILE_DELAY:-60}; LOGIN_WINDOW=0 ;;
  *) echo "MODEL is contest or stress" >&2; exit 2 ;;
esac
case "$MODE" in nginx|single) ;; *) echo "MODE is nginx or single" >&2; exit 2 ;; esac
SPAWN_RATE=${SPAWN_RATE:-1000}
RUN_TIME_SECONDS=${RUN_TIME_SECONDS:-$((LOGIN_WINDOW + 1800))}
REQUEST_TIMEOUT=${REQUEST_TIMEOUT:-120}
LOCUST_PROCESSES=${LOCUST_PROCESSES:-1}
HEALTHZ_USERS=${HEALTHZ_USERS:-64}
HEALTHZ_SECONDS=${HEALTHZ_SECONDS:-30}
PROFILE=${PROFILE:-1}
SEALED=${SEALED:-1}
PROFILE_SECONDS=${PROFILE_SECONDS:-20}
KILL_AT=${KILL_AT:-}
MONITOR=${MONITOR:-1}
PG_URL=${PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/quiz_bench}
PORT=${PORT:-8765}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
OUT=${OUT:-$HERE/out/run-$(date -u +%Y%m%dT%H%M%SZ)-$MODEL-n$STUDENTS}

case "$PG_URL" in
  *127.0.0.1*|*localhost*) ;;
  *) echo "PG_URL must point at 127.0.0.1" >&2; exit 2 ;;
esac
case "$PG_URL" in
  */quiz_test|*/postgres) echo "refusing to use $PG_URL" >&2; exit 2 ;;
esac
case "$REDIS_URL" in
  redis://127.0.0.1:*|redis://localhost:*) ;;
  *) echo "REDIS_URL must point at 127.0.0.1" >&2; exit 2 ;;
esac
if [ -n "$KILL_AT" ] && [ "$MODE" != nginx ]; then
  echo "KILL_AT needs MODE=nginx (a second server to carry on)" >&2; exit 2
fi
if [ "$MODE" = nginx ] && ! command -v nginx >/dev/null; then
  echo "MODE=nginx needs Debian's nginx (apt-get install nginx)" >&2; exit 2
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)  # nginx and the servers need absolute paths
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export QUIZ_INSTANCE_PATH="$OUT/instance"
export QUIZ_SECRET_KEY=${QUIZ_SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')}
export BENCH_PASSWORD=${BENCH_PASSWORD:-Bench-Contest-Day-2026}
if [ "$RATELIMIT" = 1 ]; then
  export QUIZ_RATELIMIT_ENABLED=true QUIZ_REDIS_URL="$REDIS_URL"
else
  export QUIZ_RATELIMIT_ENABLED=false
  unset QUIZ_REDIS_URL || true
fi
if [ "$MODE" = nginx ]; then export QUIZ_PROXY_HOPS=1; else export QUIZ_PROXY_HOPS=0; fi
# Each server keeps samples of its own metrics under its host name and port (quiz
# serve's default); loopback may read /metrics.
export QUIZ_METRICS_ALLOW=127.0.0.1
unset QUIZ_INSTANCE_NAME || true

LOCUST_DIST=()
if [ "$LOCUST_PROCESSES" -gt 1 ]; then LOCUST_DIST=(--processes "$LOCUST_PROCESSES"); fi

SERVER_PGIDS=()
NGINX_PID=""
SAMPLER_PID=""
stop_all() {
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; fi
  for pgid in "${SERVER_PGIDS[@]}"; do kill -TERM -- "-$pgid" 2>/dev/null || true; done
  for pgid in "${SERVER_PGIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  SERVER_PGIDS=()
  if [ -n "$NGINX_PID" ]; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
}
trap stop_all EXIT INT TERM

start_server() {  # port workers log
  local connections=1000
  [ "$MODE" = single ] && connections=$(( (STUDENTS + 2 * $2) / $2 + 100 ))
  QUIZ_DATABASE_URL="$URL" setsid "$VENV/bin/quiz" serve --host 127.0.0.1 --port "$1" \
    --workers "$2" --worker-connections "$connections" --backlog 4096 > "$3" 2>&1 &
  SERVER_PGIDS+=($!)
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$1/healthz" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$1/healthz" > /dev/null
}

start_nginx() {  # dir upstream-port upstream-port
  mkdir -p "$1/tmp"
  chmod 777 "$1/tmp"
  cat > "$1/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
worker_rlimit_nofile $(ulimit -Hn);
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 32768; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  upstream quiz {
    # A dead server is skipped after 3 failures, for 5 s; one reset connection
    # does not take the last live server out.
    server 127.0.0.1:$2 max_fails=3 fail_timeout=5s;
    server 127.0.0.1:$3 max_fails=3 fail_timeout=5s;
    keepalive 128;
    # Shorter than gunicorn's keep-alive (5 s): nginx never reuses a connection
    # the app server is closing.
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:$PORT backlog=8192;
    # Longer than the login window, as in the README: the waiting students'
    # connections stay open until the instant.
    keepalive_timeout 660s;
    location / {
      proxy_pass http://quiz;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # Every write of the app is idempotent (a start returns the attempt in
      # progress, a save is a PUT, a submit changes nothing the second time), so a
      # request a dead server never answered may be sent to the other one.
      # Not on a timeout: a slow server is not a dead one, and sending its
      # requests again to the other one doubles the work when both are busy.
      proxy_next_upstream error http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout ${REQUEST_TIMEOUT}s;
    }
  }
}
NGINX
  nginx -t -c "$1/nginx.conf" -p "$1" > "$1/check.log" 2>&1
  nginx -c "$1/nginx.conf" -p "$1" > "$1/nginx.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 1 30); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && return 0
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null
}

COMMAND="MODEL=$MODEL MODE=$MODE STUDENTS=$STUDENTS DATABASES=\"$DATABASES\" WORKERS=$WORKERS"
COMMAND+=" LOGIN_WINDOW=$LOGIN_WINDOW THINK_MIN=$THINK_MIN THINK_MAX=$THINK_MAX"
COMMAND+=" RATELIMIT=$RATELIMIT KILL_AT=$KILL_AT SEALED=$SEALED SPAWN_RATE=$SPAWN_RATE"
COMMAND+=" RUN_TIME_SECONDS=$RUN_TIME_SECONDS LOCUST_PROCESSES=$LOCUST_PROCESSES PROFILE=$PROFILE"
COMMAND+=" bash benchmarks/run_start.sh"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: $COMMAND"
  echo "nproc: $(nproc)"
  echo "memory: $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "kernel: $(uname -r)"
  echo "python: $("$PY" -V 2>&1)"
  echo "postgresql: $(psql -h 127.0.0.1 -U postgres -Atc 'show server_version' 2>/dev/null || echo '?')"
  echo "sqlite: $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "redis: $(redis-server --version 2>/dev/null | awk '{print $3}' || echo '?')"
  echo "nginx: $(nginx -v 2>&1 | cut -d/ -f2 || echo '?')"
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
  echo "== $DB: setting up $STUDENTS students ($MODEL model)"
  timeout 900 "$PY" "$HERE/setup_contest.py" "$URL" "$STUDENTS" --out "$DIR" --model "$MODEL"
  ROUND_ID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["round_id"])' "$DIR/contest.json")
  echo "== $DB: drawing the papers ahead (quiz papers prepare)"
  papers_start=$(date +%s%N)
  QUIZ_DATABASE_URL="$URL" timeout 900 "$VENV/bin/quiz" papers prepare --round "$ROUND_ID" \
    | tee "$DIR/papers.log"
  echo "{\"milliseconds\": $(( ($(date +%s%N) - papers_start) / 1000000 ))}" > "$DIR/papers.json"
  if [ "$RATELIMIT" = 1 ]; then redis-cli -u "$REDIS_URL" flushdb > /dev/null; fi

  if [ "$MODE" = nginx ]; then
    half=$(( WORKERS / 2 > 0 ? WORKERS / 2 : 1 ))
    echo "== $DB: two quiz serve of $half workers on :$((PORT + 1)) and :$((PORT + 2)), nginx on :$PORT"
    start_server $((PORT + 1)) "$half" "$DIR/server-1.log"
    start_server $((PORT + 2)) "$half" "$DIR/server-2.log"
    start_nginx "$DIR/nginx" $((PORT + 1)) $((PORT + 2))
  else
    echo "== $DB: quiz serve of $WORKERS workers on :$PORT"
    start_server "$PORT" "$WORKERS" "$DIR/server.log"
  fi
  sleep 2  # let every worker boot
  "$PY" "$HERE/cpu_sampler.py" --server-pgids "$(IFS=,; echo "${SERVER_PGIDS[*]}")" \
    --out "$DIR/cpu.csv" --rss-out "$DIR/rss.csv" --interval 2 \
    --max-seconds $((RUN_TIME_SECONDS + HEALTHZ_SECONDS + 300)) &
  SAMPLER_PID=$!

  echo "== $DB: /healthz ceiling, $HEALTHZ_USERS users, ${HEALTHZ_SECONDS}s"
  date +%s > "$DIR/healthz.start"
  timeout $((HEALTHZ_SECONDS + 60)) "$VENV/bin/locust" -f "$HERE/locustfile.py" HealthzUser \
    --headless -u "$HEALTHZ_USERS" -r "$HEALTHZ_USERS" --run-time "${HEALTHZ_SECONDS}s" \
    --stop-timeout 5 --host "http://127.0.0.1:$PORT" --csv "$DIR/healthz" \
    --only-summary --logfile "$DIR/healthz.log" "${LOCUST_DIST[@]}" || true
  date +%s > "$DIR/healthz.end"

  START_AT=$(( $(date +%s) + 10 + (STUDENTS + SPAWN_RATE - 1) / SPAWN_RATE + LOGIN_WINDOW ))
  echo "$START_AT" > "$DIR/start_at"
  if [ "$MODEL" = contest ]; then
    "$PY" "$HERE/open_round.py" "$URL" "$ROUND_ID" "$START_AT"
    USER_CLASS=ContestStudent
    CREDENTIALS=(BENCH_STUDENTS="$DIR/students.txt")
  else
    USER_CLASS=StudentUser
    CREDENTIALS=(BENCH_TOKENS="$DIR/tokens.txt")
  fi
  echo "== $DB: $STUDENTS students ($USER_CLASS), common start at $(date -u -d "@$START_AT" +%H:%M:%SZ)"
  PROFILER_PGID=""
  if [ "$PROFILE" = 1 ]; then
    # Its own process group, so that it can be stopped with its sleep and py-spy.
    setsid bash -c '
      wait_for=$(( $1 - $(date +%s) )); [ "$wait_for" -gt 0 ] && sleep "$wait_for"
      shift
      seconds=$1 pyspy=$2 dir=$3; shift 3
      # Every thread (waits included), then only the threads holding the GIL.
      for kind in all gil; do
        n=0; pids=()
        for pgid in "$@"; do
          n=$((n + 1)); extra=(); [ $kind = gil ] && extra=(--gil)
          timeout $(( seconds + 30 )) "$pyspy" record --pid "$pgid" --subprocesses \
            --duration "$seconds" --rate 100 --format raw --nonblocking "${extra[@]}" \
            -o "$dir/pyspy-$kind-$n.txt" & pids+=($!)
        done
        wait "${pids[@]}"
      done
      cat "$dir"/pyspy-all-*.txt > "$dir/pyspy.txt"; cat "$dir"/pyspy-gil-*.txt > "$dir/pyspy-gil.txt"
    ' profiler $((START_AT + PROFILE_DELAY)) "$PROFILE_SECONDS" "$VENV/bin/py-spy" "$DIR" \
      "${SERVER_PGIDS[@]}" > "$DIR/pyspy.log" 2>&1 &
    PROFILER_PGID=$!
  fi
  KILLER_PID=""
  if [ -n "$KILL_AT" ]; then
    victim=${SERVER_PGIDS[0]}
    ( sleep $(( START_AT + KILL_AT - $(date +%s) )); kill -KILL -- "-$victim" 2>/dev/null
      date +%s > "$DIR/killed_at"; echo "SIGKILL sent to server 1 (process group $victim)" ) &
    KILLER_PID=$!
  fi
  MONITOR_PID=""
  if [ "$MONITOR" = 1 ]; then
    timeout $((RUN_TIME_SECONDS + 120)) "$PY" "$HERE/monitor_poll.py" "http://127.0.0.1:$PORT" \
      "$ROUND_ID" "$DIR/monitor_token.txt" --seconds "$RUN_TIME_SECONDS" --out "$DIR/monitor.json" \
      > "$DIR/monitor.log" 2>&1 &
    MONITOR_PID=$!
  fi
  env "${CREDENTIALS[@]}" BENCH_ROUND_ID="$ROUND_ID" BENCH_OUT="$DIR" BENCH_PASSWORD="$BENCH_PASSWORD" \
    BENCH_START_AT="$START_AT" BENCH_LOGIN_WINDOW="$LOGIN_WINDOW" BENCH_THINK_MIN="$THINK_MIN" \
    BENCH_THINK_MAX="$THINK_MAX" BENCH_TIMEOUT="$REQUEST_TIMEOUT" BENCH_PROCESSES="$LOCUST_PROCESSES" \
    BENCH_SEALED="$SEALED" \
  timeout $((RUN_TIME_SECONDS + 120)) "$VENV/bin/locust" -f "$HERE/locustfile.py" "$USER_CLASS" \
    --headless -u "$STUDENTS" -r "$SPAWN_RATE" --run-time "${RUN_TIME_SECONDS}s" \
    --stop-timeout 30 --host "http://127.0.0.1:$PORT" --csv "$DIR/locust" --csv-full-history \
    --only-summary --logfile "$DIR/locust.log" "${LOCUST_DIST[@]}" || true
  date +%s > "$DIR/locust.end"
  if [ -n "$KILLER_PID" ]; then kill "$KILLER_PID" 2>/dev/null || true; fi
  if [ -n "$MONITOR_PID" ]; then
    kill -INT "$MONITOR_PID" 2>/dev/null || true; wait "$MONITOR_PID" 2>/dev/null || true
  fi
  if [ -n "$PROFILER_PGID" ]; then
    if [ "$(date +%s)" -lt $((START_AT + PROFILE_DELAY)) ]; then
      kill -TERM -- "-$PROFILER_PGID" 2>/dev/null || true  # not started: the run was shorter
    fi
    wait "$PROFILER_PGID" 2>/dev/null || true  # else let py-spy finish (it has a timeout)
  fi
  stop_all

  echo "== $DB: checking acknowledged saves against the database"
  timeout 300 "$PY" "$HERE/check_saves.py" "$URL" "$DIR" > "$DIR/check.log" 2>&1 || true
  tail -1 "$DIR/check.log"
  timeout 120 "$PY" "$HERE/summarize.py" "$DIR" || true
done

echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
echo "== results in $OUT"
