#!/usr/bin/env bash
# Leaderboard read benchmark (benchmarks/leaderboards/README.md).
#
#   bash benchmarks/leaderboards/run.sh                          # full run (~1.5 h)
#   SIZES=small RUN_TIME=10 USERS=1 bash benchmarks/leaderboards/run.sh   # smoke run
#
# For each database (SQLite, PostgreSQL) and each size (small: 1,000 students x
# 10 rounds = 10,000 attempts; large: 100,000 students x 10 rounds = 1,000,000
# attempts; 300 universities in both): a fresh database (quiz db upgrade,
# universities import, quiz synth), `quiz serve` (gunicorn, 2 workers) on
# 127.0.0.1, a correctness check of every read against a recomputation from the
# attempts plus a warm-up (lbtool.py check), then one headless Locust run per
# read and per number of concurrent users (closed loop, no think time, RUN_TIME
# seconds each), optional py-spy profiles, then the server is stopped (its whole
# process group) and "my position" is timed in-process (lbtool.py position) and
# the SQL of each read explained (lbtool.py explain). report.py makes the tables.
#
# Parameters (environment variables, with defaults):
#   DATABASES="sqlite postgresql"  SIZES="small large"  USERS="1 4"  RUN_TIME=30 (s per run)
#   UNIVERSITIES=300 ROUNDS=10 SMALL_STUDENTS=1000 LARGE_STUDENTS=100000
#   SMALL_DEEP=500 LARGE_DEEP=50000 (offset of the deep pages)
#   PROFILE_READS="" (reads to profile with py-spy at the large size, 20 s each, e.g. "round_deep")
#   PG_VACUUM=1 (VACUUM ANALYZE after synth, what autovacuum does after a bulk load)
#   PORT=8790  VENV=/work/venv  OUT=benchmarks/leaderboards/out/run-<UTC time>
#   SYNTH_TIMEOUT=5400 (s, per synth)
#   IDLE_BELOW=25 IDLE_WAIT=5400 FOREIGN_MAX=0.10 RETRIES=4: other load on the same
#     cores must not end up in the figures. Before each Locust run, wait until the
#     machine's CPU use over 3 s is below IDLE_BELOW %; each run goes through
#     cpuwatch.py, which measures the CPU spent meanwhile by processes that are not
#     the benchmark's ("foreign": another benchmark, a build); a run with more than
#     FOREIGN_MAX cores of foreign CPU is repeated, up to RETRIES times. Waiting stops
#     once IDLE_WAIT s have been spent in all (then runs are measured as they come,
#     and their foreign CPU is reported). top.log samples the busiest processes every
#     10 s. Data set-up does not wait; `quiz synth` runs at nice 10.
# PostgreSQL: 127.0.0.1:5432, user postgres, database quiz_bench_lb (dropped and
# recreated; no other database is touched).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${VENV:-/work/venv}
PY="$VENV/bin/python"
QUIZ="$VENV/bin/quiz"
LOCUST="$VENV/bin/locust"
PYSPY="$VENV/bin/py-spy"
DATABASES=${DATABASES:-"sqlite postgresql"}
SIZES=${SIZES:-"small large"}
USERS=${USERS:-"1 4"}
RUN_TIME=${RUN_TIME:-30}
UNIVERSITIES=${UNIVERSITIES:-300}
ROUNDS=${ROUNDS:-10}
SMALL_STUDENTS=${SMALL_STUDENTS:-1000}
LARGE_STUDENTS=${LARGE_STUDENTS:-100000}
SMALL_DEEP=${SMALL_DEEP:-500}
LARGE_DEEP=${LARGE_DEEP:-50000}
PROFILE_READS=${PROFILE_READS:-""}
PROFILE_SECONDS=${PROFILE_SECONDS:-20}
PG_VACUUM=${PG_VACUUM:-1}
PORT=${PORT:-8790}
SYNTH_TIMEOUT=${SYNTH_TIMEOUT:-5400}
IDLE_BELOW=${IDLE_BELOW:-25}
IDLE_WAIT=${IDLE_WAIT:-5400}
FOREIGN_MAX=${FOREIGN_MAX:-0.10}
RETRIES=${RETRIES:-4}
PG_DB=quiz_bench_lb
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
OUT=${OUT:-$HERE/out/run-$(date -u +%Y%m%dT%H%M%SZ)}
BASE="http://127.0.0.1:$PORT"
METHODS="top_n_mean participants total mean"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$ROOT"
exec > >(tee -a "$OUT/run.log") 2>&1

log() { echo "[$(date -u +%H:%M:%S)] $*"; }
now() { date +%s.%N; }
elapsed() { "$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# CPU use of the whole machine over 3 s, in percent.
cpu_busy() {
  "$PY" - <<'EOF'
import time
def sample():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = sample(); time.sleep(3); t1, i1 = sample()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))
EOF
}
WAITED=0
wait_idle() {  # wait_idle WHAT: until the CPU is idle, or the IDLE_WAIT budget is spent
  local busy
  while (( WAITED < IDLE_WAIT )); do
    busy=$(cpu_busy)
    (( busy < IDLE_BELOW )) && return 0
    log "CPU ${busy}% busy before $1 (someone else's load?); waiting" >> "$OUT/contention.txt"
    sleep 27; WAITED=$((WAITED + 30))
  done
  return 0
}

SERVER=""
SAMPLER=""
stop_server() {
  if [[ -n "$SERVER" ]] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM -- "-$SERVER" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  SERVER=""
}
cleanup() {
  stop_server
  [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null || true
}
trap cleanup EXIT

if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then
  echo "Something already answers on $BASE; choose another PORT." >&2
  exit 1
fi

# -- the machine and the code, once per run ----------------------------------------
{
  echo "date: $(date -u)"
  echo "command: ${RUN_COMMAND:-bash benchmarks/leaderboards/run.sh} (DATABASES='$DATABASES' SIZES='$SIZES' USERS='$USERS' RUN_TIME=$RUN_TIME)"
  echo "nproc: $(nproc)"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "kernel: $(uname -r)"
  echo "python: $("$PY" -c 'import sys; print(sys.version.split()[0])')"
  echo "sqlite: $("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "postgresql: $(psql "${PG_ARGS[@]}" -d postgres -Atc 'SHOW server_version')"
  echo "postgresql settings: $(psql "${PG_ARGS[@]}" -d postgres -Atc "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ' ') FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather')")"
  echo "packages: $("$PY" -m pip list 2>/dev/null | grep -iE '^(flask|sqlalchemy|psycopg|gunicorn|locust) ' | tr -s ' ' | paste -sd, -)"
  echo "git: $(git rev-parse HEAD) ($(git status --porcelain -- quiz migrations | wc -l) changed or new files under quiz/ and migrations/ at start)"
  git status --porcelain -- quiz migrations | sed 's/^/  /'
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

( while true; do
    echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    top -b -c -n 2 -d 1 -w 200 -o %CPU | awk '/^top -/ {n++} n == 2' | sed -n '7,13p'
    sleep 9
  done ) > "$OUT/top.log" 2>&1 &
SAMPLER=$!

for DB in $DATABASES; do
  for SIZE in $SIZES; do
    if [[ $SIZE == small ]]; then STUDENTS=$SMALL_STUDENTS; DEEP=$SMALL_DEEP
    else STUDENTS=$LARGE_STUDENTS; DEEP=$LARGE_DEEP; fi
    DIR="$OUT/$DB-$SIZE"
    rm -rf "$DIR"; mkdir -p "$DIR/instance"
    log "== $DB, $SIZE: $STUDENTS students x $ROUNDS rounds, $UNIVERSITIES universities"

    export QUIZ_INSTANCE_PATH="$DIR/instance"
    export QUIZ_SECRET_KEY
    QUIZ_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(36))')  # 48 chars
    export QUIZ_RATELIMIT_ENABLED=false
    unset QUIZ_REDIS_URL QUIZ_ENV
    if [[ $DB == sqlite ]]; then
      export QUIZ_DATABASE_URL="sqlite:///$DIR/instance/quiz.db"
    else
      dropdb "${PG_ARGS[@]}" --if-exists --force "$PG_DB"
      createdb "${PG_ARGS[@]}" "$PG_DB"
      export QUIZ_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$PG_DB"
    fi

    # -- data ------------------------------------------------------------------------
    t0=$(now)
    "$QUIZ" db upgrade
    "$QUIZ" universities import quiz/data/universities.csv
    t1=$(now)
    timeout "$SYNTH_TIMEOUT" nice -n 10 "$QUIZ" synth --universities "$UNIVERSITIES" --students "$STUDENTS" \
      --rounds "$ROUNDS" | tee "$DIR/synth.txt"
    t2=$(now)
    vacuum_s=0
    if [[ $DB == postgresql && $PG_VACUUM == 1 ]]; then
      psql "${PG_ARGS[@]}" -d "$PG_DB" -qc 'VACUUM ANALYZE'
      vacuum_s=$(elapsed "$t2" "$(now)")
      size=$(psql "${PG_ARGS[@]}" -d "$PG_DB" -Atc "SELECT pg_database_size('$PG_DB')")
    else
      size=$(stat -c %s "$DIR/instance/quiz.db")
    fi
    "$PY" "$HERE/lbtool.py" info > "$DIR/info.json"
    RID=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["round_id"])' "$DIR/info.json")
    printf '{"setup_s": %s, "synth_s": %s, "vacuum_analyze_s": %s, "database_bytes": %s, "students": %s, "deep_offset": %s}\n' \
      "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" "$vacuum_s" "$size" "$STUDENTS" "$DEEP" > "$DIR/setup.json"
    log "data: $(cat "$DIR/info.json") $(cat "$DIR/setup.json")"

    # -- the reads ----------------------------------------------------------------------
    READS=("round_first|/api/v1/rounds/$RID/leaderboard"
           "round_deep|/api/v1/rounds/$RID/leaderboard?offset=$DEEP"
           "students|/api/v1/leaderboard/students"
           "students_deep|/api/v1/leaderboard/students?offset=$DEEP"
           "my_position|/leaderboards/students?round=$RID"
           "my_position_overall|/leaderboards/students")
    for M in $METHODS; do
      READS+=("uni_$M|/api/v1/leaderboard/universities?method=$M"
              "uni_${M}_round|/api/v1/leaderboard/universities?method=$M&round=$RID")
    done
    PATHS=(); for r in "${READS[@]}"; do PATHS+=("${r#*|}"); done

    # -- the server ---------------------------------------------------------------------
    setsid "$QUIZ" serve --host 127.0.0.1 --port "$PORT" --workers 2 > "$DIR/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 120); do
      curl -sf -o /dev/null --max-time 2 "$BASE/healthz" && break
      kill -0 "$SERVER" 2>/dev/null || { echo "server died:"; tail -20 "$DIR/server.log"; exit 1; }
      sleep 0.5
    done
    [[ $(ps -o pgid= -p "$SERVER" | tr -d ' ') == "$SERVER" ]] || { echo "server is not its own process group"; exit 1; }
    log "server up (pid/pgid $SERVER)"

    timeout 1800 "$PY" "$HERE/lbtool.py" check --base "$BASE" --round "$RID" --deep "$DEEP" \
      --out "$DIR/check.json" --warm "${PATHS[@]}" --warm-calls 30
    timeout 600 "$PY" "$HERE/lbtool.py" tokens --round "$RID" --count 200 --out "$DIR/tokens.json"

    for U in $USERS; do
      mkdir -p "$DIR/u$U"
      for r in "${READS[@]}"; do
        NAME=${r%%|*}; P=${r#*|}
        TOKENS=""; RANK=round_rank
        case $NAME in
          my_position) TOKENS="$DIR/tokens.json" ;;
          my_position_overall) TOKENS="$DIR/tokens.json"; RANK=overall_rank ;;
        esac
        for attempt in $(seq 1 "$RETRIES"); do
          wait_idle "$DB-$SIZE u$U $NAME"
          LB_NAME=$NAME LB_PATH=$P LB_SAMPLES="$DIR/u$U/$NAME.samples" LB_TOKENS=$TOKENS LB_RANK=$RANK \
            timeout $((RUN_TIME + 90)) "$PY" "$HERE/cpuwatch.py" --server-pgid "$SERVER" \
              --database "$PG_DB" --out "$DIR/u$U/$NAME.cpu.json" -- \
            "$LOCUST" -f "$HERE/locustfile.py" --headless \
              -u "$U" -r "$U" -t "${RUN_TIME}s" --stop-timeout 5 --host "$BASE" \
              --csv "$DIR/u$U/$NAME" --only-summary --loglevel WARNING \
              --logfile "$DIR/u$U/$NAME.log" > /dev/null 2>&1 || true
          foreign=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["foreign_cores"])' "$DIR/u$U/$NAME.cpu.json" 2>/dev/null || echo 9)
          echo "$attempt $foreign" >> "$DIR/u$U/$NAME.attempts"
          if "$PY" -c 'import sys; sys.exit(float(sys.argv[1]) <= float(sys.argv[2]))' "$foreign" "$FOREIGN_MAX"; then
            log "  $NAME u=$U: $foreign cores of foreign CPU during the run (attempt $attempt)" | tee -a "$OUT/contention.txt"
            (( WAITED < IDLE_WAIT )) || break
          else
            break
          fi
        done
        "$PY" - "$DIR/u$U/${NAME}_stats.csv" "$DIR/u$U/$NAME.samples" "$NAME" "$U" <<'EOF'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == sys.argv[3]]
t = sorted(float(x) for x in open(sys.argv[2]) if x.strip())
r = rows[0] if rows else {}
q = lambda p: t[min(int(len(t) * p), len(t) - 1)] if t else float("nan")
print(f"  u={sys.argv[4]} {sys.argv[3]:24s} n={r.get('Request Count')} fail={r.get('Failure Count')} "
      f"median={q(0.5):.2f} p99={q(0.99):.2f} ms rps={float(r.get('Requests/s') or 0):.1f}")
EOF
      done
    done

    for NAME in $PROFILE_READS; do
      [[ $SIZE == large ]] || continue
      for r in "${READS[@]}"; do
        [[ ${r%%|*} == "$NAME" ]] || continue
        mkdir -p "$DIR/profile"
        LB_NAME=$NAME LB_PATH=${r#*|} \
          timeout $((PROFILE_SECONDS + 90)) "$LOCUST" -f "$HERE/locustfile.py" --headless \
            -u 1 -r 1 -t "$((PROFILE_SECONDS + 6))s" --stop-timeout 5 --host "$BASE" \
            --only-summary --loglevel WARNING > /dev/null 2>&1 &
        LOCUST_PID=$!
        sleep 3
        timeout $((PROFILE_SECONDS + 30)) "$PYSPY" record --pid "$SERVER" --subprocesses \
          --duration "$PROFILE_SECONDS" --rate 200 --format raw --nonblocking \
          -o "$DIR/profile/$NAME.txt" > /dev/null 2>&1 || log "py-spy failed for $NAME"
        wait "$LOCUST_PID" || true
        log "profile: $DIR/profile/$NAME.txt"
      done
    done

    stop_server
    grep -E '" 5[0-9][0-9] |Traceback|ERROR' "$DIR/server.log" | head -20 > "$DIR/server-errors.txt" || true
    log "server stopped; $(wc -l < "$DIR/server-errors.txt") error line(s) in its log"

    # -- in-process: "my position", and the plans -----------------------------------
    timeout 1800 "$PY" "$HERE/lbtool.py" position --round "$RID" --calls 1000 \
      --out "$DIR/position.json" > /dev/null
    timeout 1800 "$PY" "$HERE/lbtool.py" explain --round "$RID" --deep "$DEEP" \
      --out "$DIR/explain.txt"
    log "position: $("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["round_position_random"], "wrong:", d["wrong"])' "$DIR/position.json")"
  done
done

"$PY" "$HERE/report.py" "$OUT" | tee "$OUT/report.md"
log "done: $OUT"
