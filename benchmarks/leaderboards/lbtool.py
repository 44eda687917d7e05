"""Helpers of the leaderboard read benchmark (benchmarks/leaderboards/README.md).

Run with the benchmark's environment (QUIZ_DATABASE_URL, QUIZ_INSTANCE_PATH):

    python lbtool.py info                       # JSON: the round to read, counts
    python lbtool.py check --base URL --round ID --deep N --out check.json
        # every read once against an independent computation from the attempts
        # (competition ranks, order, scores, university values), then warm-up GETs
    python lbtool.py tokens --round ID --count 200 --out tokens.json
        # API tokens of students spread over the round's board, with their expected
        # ranks, for the "my position" reads over HTTP (the locustfile's LB_TOKENS)
    python lbtool.py position --round ID --calls 1000 --out position.json
        # "my position": boards.round_position (and overall_position) in-process
    python lbtool.py explain --round ID --deep N --out explain.txt
        # every SQL statement each board read issues, with its plan
        # (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN + timing on SQLite)

The checks recompute everything from the ``attempts`` table with plain SQL
window functions (never from the standings tables the boards read), so a wrong
rank, order, score or value in an answer is reported, not assumed away.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import statistics
import sys
import time
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

from report import percentile  # this folder's report.py
from sqlalchemy import event, text

from quiz import create_app
from quiz.attempts.models import SCORE_UNIT
from quiz.db import database
from quiz.standings import boards, university_boards
from quiz.standings.models import PUBLIC

# --------------------------------------------------------------------------- helpers


def app_context() -> Any:
    app = create_app()
    return app, app.app_context()


def read_request_context(round_id: int) -> Any:
    """The app inside a GET of the student board page: sessions then begin their
    transactions as a read request does (plain BEGIN on SQLite; outside a request
    the app takes SQLite's write lock up front, as command-line code needs)."""
    app = create_app()
    return app, app.test_request_context(f"/leaderboards/students?round={round_id}")


def summary(times_ms: list[float]) -> dict[str, float]:
    return {
        "calls": len(times_ms),
        "median_ms": round(percentile(times_ms, 50), 3),
        "p95_ms": round(percentile(times_ms, 95), 3),
        "p99_ms": round(percentile(times_ms, 99), 3),
        "mean_ms": round(statistics.fmean(times_ms), 3),
        "max_ms": round(max(times_ms), 3),
    }


def value_text(value: Fraction) -> str:
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def competition_ranks(keys: list[tuple]) -> list[int]:
    """Competition ranks ("1224") of already sorted keys."""
    ranks: list[int] = []
    for i, key in enumerate(keys):
        ranks.append(ranks[-1] if i and key == keys[i - 1] else i + 1)
    return ranks


# --------------------------------------------------------------------------- info


def cmd_info(_args: argparse.Namespace) -> None:
    app, ctx = app_context()
    with ctx, database().engine.connect() as conn:
        one = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        info = {
            "round_id": one("SELECT max(id) FROM rounds"),
            "rounds": one("SELECT count(*) FROM rounds"),
            "universities": one("SELECT count(*) FROM universities"),
            "students": one("SELECT count(*) FROM users WHERE role = 'student'"),
            "attempts": one("SELECT count(*) FROM attempts"),
            "round_standings": one("SELECT count(*) FROM round_standings"),
            "overall_standings": one("SELECT count(*) FROM overall_standings"),
            "university_standings": one("SELECT count(*) FROM university_standings"),
            "dialect": conn.dialect.name,
        }
    print(json.dumps(info))


# --------------------------------------------------------------------------- expected boards


def expected_round(conn: Any, round_id: int) -> list[dict[str, Any]]:
    """The round's board from the attempts: one finalized attempt per student in the
    synthetic contest, no prediction question, so the keys are score, duration, end."""
    rows = conn.execute(
        text(
            """
            SELECT a.student_id, u.display_name, un.code, a.score_units, a.duration_ms,
                   COALESCE(a.submitted_at, a.deadline) AS ended
            FROM attempts a JOIN users u ON u.id = a.student_id
            JOIN universities un ON un.id = u.university_id
            WHERE a.round_id = :r AND a.status <> 'in_progress'
            """
        ),
        {"r": round_id},
    ).all()
    rows = sorted(rows, key=lambda r: (-r.score_units, r.duration_ms, r.ended, r.student_id))
    ranks = competition_ranks([(r.score_units, r.duration_ms, r.ended) for r in rows])
    return [
        {
            "rank": rank,
            "student_id": r.student_id,
            "display_name": r.display_name,
            "university_code": r.code,
            "score_units": r.score_units,
            "duration_ms": r.duration_ms,
        }
        for rank, r in zip(ranks, rows, strict=True)
    ]


def expected_overall(conn: Any) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            """
            SELECT a.student_id, u.display_name, un.code,
                   SUM(a.score_units) AS total, SUM(a.duration_ms) AS duration
            FROM attempts a JOIN users u ON u.id = a.student_id
            JOIN universities un ON un.id = u.university_id
            WHERE a.status <> 'in_progress'
            GROUP BY a.student_id, u.display_name, un.code
            """
        )
    ).all()
    rows = sorted(rows, key=lambda r: (-r.total, r.duration, r.student_id))
    ranks = competition_ranks([(r.total, r.duration) for r in rows])
    return [
        {
            "rank": rank,
            "student_id": r.student_id,
            "display_name": r.display_name,
            "university_code": r.code,
            "score_units": int(r.total),
            "duration_ms": int(r.duration),
        }
        for rank, r in zip(ranks, rows, strict=True)
    ]


def expected_universities(
    conn: Any, method: str, round_id: int | None, n: int, minimum: int
) -> list[dict[str, Any]]:
    round_filter = "AND a.round_id = :r" if round_id is not None else ""
    totals = conn.execute(
        text(
            f"""
            SELECT u.university_id, a.student_id, SUM(a.score_units) AS total
            FROM attempts a JOIN users u ON u.id = a.student_id
            WHERE a.status <> 'in_progress' {round_filter}
            GROUP BY u.university_id, a.student_id
            """
        ),
        {"r": round_id} if round_id is not None else {},
    ).all()
    per: dict[int, list[int]] = {}
    for r in totals:
        per.setdefault(r.university_id, []).append(int(r.total))
    scored, unranked = [], []
    for uid, code, name_vi in conn.execute(text("SELECT id, code, name_vi FROM universities")):
        values = sorted(per.get(uid, []), reverse=True)
        count = len(values)
        value: Fraction | None
        if count == 0:
            value = None
        elif method == "participants":
            value = Fraction(count)
        elif method == "total":
            value = Fraction(sum(values), SCORE_UNIT)
        elif method == "mean":
            value = Fraction(sum(values), SCORE_UNIT * count) if count >= minimum else None
        else:
            value = Fraction(sum(values[:n]), SCORE_UNIT * n)
        if value is None:
            shown = Fraction(sum(values), SCORE_UNIT * count) if count else Fraction(0)
            unranked.append((count == 0, name_vi, code, shown, count))
        else:
            scored.append((-value, name_vi, code, value, count))
    scored.sort()
    unranked.sort()
    ranks = competition_ranks([(s[0],) for s in scored])
    out = [
        {"rank": rank, "university_code": s[2], "value": value_text(s[3]), "participants": s[4]}
        for rank, s in zip(ranks, scored, strict=True)
    ]
    out += [
        {"rank": None, "university_code": u[2], "value": value_text(u[3]), "participants": u[4]}
        for u in unranked
    ]
    return out


# --------------------------------------------------------------------------- check


class Client:
    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def get(self, path: str) -> tuple[int, Any, float]:
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        try:
            data = json.loads(body)
        except ValueError:
            data = body[:500].decode("utf-8", "replace")
        return response.status, data, elapsed


def student_mismatches(
    got: list[dict[str, Any]], want: list[dict[str, Any]], score_key: str
) -> list[str]:
    problems = []
    if len(got) != len(want):
        problems.append(f"{len(got)} entries, expected {len(want)}")
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        expected = {
            "rank": w["rank"],
            "display_name": w["display_name"],
            "university_code": w["university_code"],
            score_key: round(w["score_units"] / SCORE_UNIT, 2),
            "duration_ms": w["duration_ms"],
        }
        if g != expected:
            problems.append(f"entry {i}: got {g}, expected {expected}")
        if len(problems) >= 5:
            break
    return problems


def cmd_check(args: argparse.Namespace) -> None:
    app, ctx = app_context()
    client = Client(args.base)
    results: list[dict[str, Any]] = []
    n, minimum = app.config["TOP_N"], app.config["MIN_PARTICIPANTS"]
    with ctx, database().engine.connect() as conn:
        rid = args.round
        board = expected_round(conn, rid)
        overall = expected_overall(conn)
        checks: list[tuple[str, str, Any]] = [
            ("round_first", f"/api/v1/rounds/{rid}/leaderboard", ("round", board, 0, "score")),
            (
                "round_deep",
                f"/api/v1/rounds/{rid}/leaderboard?offset={args.deep}",
                ("round", board, args.deep, "score"),
            ),
            ("students", "/api/v1/leaderboard/students", ("overall", overall, 0, "total")),
            (
                "students_deep",
                f"/api/v1/leaderboard/students?offset={args.deep}",
                ("overall", overall, args.deep, "total"),
            ),
        ]
        for method in university_boards.METHODS:
            for round_id in (None, rid):
                suffix = "" if round_id is None else f"&round={round_id}"
                name = f"uni_{method}" + ("" if round_id is None else "_round")
                want = expected_universities(conn, method, round_id, n, minimum)
                checks.append(
                    (
                        name,
                        f"/api/v1/leaderboard/universities?method={method}&limit=500{suffix}",
                        ("universities", want, 0, None),
                    )
                )
        for name, path, (kind, want, offset, key) in checks:
            status, data, _ms = client.get(path)
            problems: list[str] = []
            if status != 200 or not isinstance(data, dict):
                problems.append(f"HTTP {status}: {str(data)[:300]}")
            elif kind in ("round", "overall"):
                if data.get("total") != len(want):
                    problems.append(f"total {data.get('total')}, expected {len(want)}")
                problems += student_mismatches(data["entries"], want[offset : offset + 50], key)
            else:
                got = [
                    {k: e[k] for k in ("rank", "university_code", "value", "participants")}
                    for e in data["entries"]
                ]
                if data.get("total") != len(want):
                    problems.append(f"total {data.get('total')}, expected {len(want)}")
                for i, (g, w) in enumerate(zip(got, want, strict=False)):
                    if g != w:
                        problems.append(f"entry {i}: got {g}, expected {w}")
                    if len(problems) >= 5:
                        break
                if len(got) != len(want):
                    problems.append(f"{len(got)} entries, expected {len(want)}")
            results.append({"read": name, "path": path, "ok": not problems, "problems": problems})
            print(f"check {name:24s} {'ok' if not problems else 'MISMATCH'}", file=sys.stderr)
            for p in problems:
                print(f"    {p}", file=sys.stderr)
    # Warm-up: every benchmarked path, sequentially, so both workers and the
    # database's caches have seen every read before anything is measured.
    warm: dict[str, float] = {}
    for path in args.warm:
        times = []
        for _ in range(args.warm_calls):
            status, _data, ms = client.get(path)
            times.append(ms)
        warm[path] = round(statistics.median(times), 3)
    with open(args.out, "w") as handle:
        json.dump({"checks": results, "warmup_median_ms": warm}, handle, indent=2)
    bad = [r["read"] for r in results if not r["ok"]]
    print(f"checks: {len(results) - len(bad)} ok, {len(bad)} mismatched {bad}", file=sys.stderr)


# --------------------------------------------------------------------------- tokens


def cmd_tokens(args: argparse.Namespace) -> None:
    """Log in students without a password: issue each an API token (what
    ``POST /api/v1/auth/token`` does after checking one), to send as a bearer
    token with the page a logged-in student opens."""
    from quiz.accounts.models import User
    from quiz.accounts.tokens import issue_token

    app, ctx = app_context()
    with ctx:
        with database().engine.connect() as conn:
            board = expected_round(conn, args.round)
            overall = {e["student_id"]: e["rank"] for e in expected_overall(conn)}
        rng = random.Random(11)
        chosen = rng.sample(board, min(args.count, len(board)))
        out = []
        with database().sessionmaker() as session:
            for entry in chosen:
                student = session.get(User, entry["student_id"])
                token, _expires = issue_token(session, student)
                out.append(
                    {
                        "token": token,
                        "student_id": entry["student_id"],
                        "round_rank": entry["rank"],
                        "overall_rank": overall[entry["student_id"]],
                    }
                )
            session.commit()
    with open(args.out, "w") as handle:
        json.dump(out, handle)
    print(f"{len(out)} tokens written to {args.out}", file=sys.stderr)


# --------------------------------------------------------------------------- position


def cmd_position(args: argparse.Namespace) -> None:
    app, ctx = read_request_context(args.round)
    with ctx:
        make = database().sessionmaker
        with database().engine.connect() as conn:
            board = expected_round(conn, args.round)
            overall = expected_overall(conn)
        rank_of = {e["student_id"]: e["rank"] for e in board}
        overall_rank_of = {e["student_id"]: e["rank"] for e in overall}
        rng = random.Random(7)
        sample = [rng.choice(board)["student_id"] for _ in range(args.calls)]
        fixed = {
            "top": board[0]["student_id"],
            "median": board[len(board) // 2]["student_id"],
            "last": board[-1]["student_id"],
        }
        wrong: list[str] = []

        def timed(fn: Any, student: int, expected: int) -> float:
            session = make()
            try:
                started = time.perf_counter()
                got = fn(session, student)
                elapsed = (time.perf_counter() - started) * 1000
            finally:
                session.close()
            if got != expected and len(wrong) < 10:
                wrong.append(f"{fn.__name__} student {student}: got {got}, expected {expected}")
            return elapsed

        def in_round(session: Any, student: int) -> int | None:
            return boards.round_position(session, args.round, student, view=PUBLIC)

        def overall_pos(session: Any, student: int) -> int | None:
            return boards.overall_position(session, student, view=PUBLIC)

        for student in sample[:50]:  # warm-up, not counted
            timed(in_round, student, rank_of[student])
        out: dict[str, Any] = {"round_id": args.round, "round_entries": len(board)}
        out["round_position_random"] = summary([timed(in_round, s, rank_of[s]) for s in sample])
        for label, student in fixed.items():
            out[f"round_position_{label}"] = summary(
                [timed(in_round, student, rank_of[student]) for _ in range(args.fixed_calls)]
            ) | {"student_id": student, "rank": rank_of[student]}
        out["overall_position_random"] = summary(
            [timed(overall_pos, s, overall_rank_of[s]) for s in sample]
        )
        out["wrong"] = wrong
    with open(args.out, "w") as handle:
        json.dump(out, handle, indent=2)
    print(json.dumps(out, indent=2))


# --------------------------------------------------------------------------- explain


def cmd_explain(args: argparse.Namespace) -> None:
    app, ctx = read_request_context(args.round)
    lines: list[str] = []
    with ctx:
        engine = database().engine
        dialect = engine.dialect.name
        captured: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
            captured.append((statement, parameters))

        with engine.connect() as conn:
            board = expected_round(conn, args.round)
        median_student = board[len(board) // 2]["student_id"]
        reads = [
            ("round_first", lambda s: boards.round_board(s, args.round, view=PUBLIC)),
            (
                "round_deep",
                lambda s: boards.round_board(s, args.round, offset=args.deep, view=PUBLIC),
            ),
            ("students", lambda s: boards.overall_board(s, view=PUBLIC)),
            ("students_deep", lambda s: boards.overall_board(s, offset=args.deep, view=PUBLIC)),
            (
                "uni_top_n_mean_round",
                lambda s: university_boards.university_board(
                    s, "top_n_mean", args.round, view=PUBLIC
                ),
            ),
            (
                "my_position (median student)",
                lambda s: boards.round_position(s, args.round, median_student, view=PUBLIC),
            ),
        ]
        for name, call in reads:
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            session = database().sessionmaker()
            try:
                started = time.perf_counter()
                call(session)
                total = (time.perf_counter() - started) * 1000
            finally:
                session.close()
                event.remove(engine, "before_cursor_execute", capture)
            statements = [c for c in captured if not c[0].lstrip().upper().startswith("BEGIN")]
            lines.append(f"==== {name}: {len(statements)} statement(s), {total:.2f} ms in-process")
            if dialect == "postgresql":
                with engine.connect() as conn:
                    for statement, parameters in statements:
                        lines += ["", statement.strip(), f"-- parameters: {parameters}"]
                        plan = conn.exec_driver_sql(
                            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                        ).all()
                        lines += [row[0] for row in plan]
                        conn.rollback()
            else:
                # A plain connection: the app's engine wraps reads outside a request
                # in BEGIN IMMEDIATE, which is not what a GET does.
                plain = sqlite3.connect(engine.url.database)
                try:
                    for statement, parameters in statements:
                        lines += ["", statement.strip(), f"-- parameters: {parameters}"]
                        plan = plain.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                        lines += [f"  {row[-1]}" for row in plan.fetchall()]
                        started = time.perf_counter()
                        plain.execute(statement, parameters).fetchall()
                        took = (time.perf_counter() - started) * 1000
                        lines.append(f"  -- executed in {took:.2f} ms")
                finally:
                    plain.close()
            lines.append("")
    with open(args.out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"plans written to {args.out}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info")
    check = sub.add_parser("check")
    check.add_argument("--base", required=True)
    check.add_argument("--round", type=int, required=True)
    check.add_argument("--deep", type=int, required=True)
    check.add_argument("--out", required=True)
    check.add_argument("--warm", nargs="*", default=[], help="paths to warm up")
    check.add_argument("--warm-calls", type=int, default=30)
    tokens = sub.add_parser("tokens")
    tokens.add_argument("--round", type=int, required=True)
    tokens.add_argument("--count", type=int, default=200)
    tokens.add_argument("--out", required=True)
    position = sub.add_parser("position")
    position.add_argument("--round", type=int, required=True)
    position.add_argument("--calls", type=int, default=1000)
    position.add_argument("--fixed-calls", type=int, default=200)
    position.add_argument("--out", required=True)
    explain = sub.add_parser("explain")
    explain.add_argument("--round", type=int, required=True)
    explain.add_argument("--deep", type=int, required=True)
    explain.add_argument("--out", required=True)
    args = parser.parse_args()
    commands = {
        "info": cmd_info,
        "check": cmd_check,
        "tokens": cmd_tokens,
        "position": cmd_position,
        "explain": cmd_explain,
    }
    commands[args.command](args)


if __name__ == "__main__":
    main()
