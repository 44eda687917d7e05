"""Backup and restore, as the README's procedure does it (pg_dump, pg_restore).

A contest is dumped, restored into a fresh database, and ``quiz leaderboard
rebuild`` there gives exactly the standings the live database kept. Runs with
the PostgreSQL pass of the suite (``QUIZ_TEST_DATABASE_URL`` set), as CI does.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import on_postgres, reset_postgres_database

STANDINGS = {
    "attempts": "SELECT id, round_id, student_id, number, status, score_units, duration_ms "
    "FROM attempts ORDER BY id",
    "round_standings": "SELECT view, round_id, student_id, attempt_id, score_units, "
    "prediction_error, duration_ms FROM round_standings ORDER BY view, round_id, student_id",
    "overall_standings": "SELECT view, student_id, total_units, duration_ms, rounds "
    "FROM overall_standings ORDER BY view, student_id",
    "university_standings": "SELECT view, scope, university_id, participants, total_units, "
    "top_n_units FROM university_standings ORDER BY view, scope, university_id",
    "score_levels": "SELECT view, scope, score_units, entries FROM score_levels "
    "ORDER BY view, scope, score_units",
}


def tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{name} is not installed")
        pytest.skip(f"{name} is not installed")
    return found


def snapshot(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(text(sql))]
                for name, sql in STANDINGS.items()
            }
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Empty every table of standings (what ``leaderboard rebuild`` must make again)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for name in STANDINGS:
                if name != "attempts":
                    connection.execute(text(f"DELETE FROM {name}"))
    finally:
        engine.dispose()


def quiz(url: str, instance: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
    env.update(QUIZ_DATABASE_URL=url, QUIZ_INSTANCE_PATH=str(instance))
    result = subprocess.run(
        [sys.executable, "-m", "quiz", *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_restored_backup_holds_every_attempt_and_rebuilds_the_same_standings(tmp_path):
    if not on_postgres():
        pytest.skip("runs with the PostgreSQL pass (QUIZ_TEST_DATABASE_URL set)")
    base = make_url(os.environ["QUIZ_TEST_DATABASE_URL"])
    source = base.set(database=f"{base.database}_backup_source").render_as_string(False)
    target = base.set(database=f"{base.database}_backup_restored").render_as_string(False)
    for url in (source, target):
        reset_postgres_database(url)
    quiz(source, tmp_path, "db", "upgrade")
    quiz(source, tmp_path, "synth", "--universities", "12", "--students", "150", "--rounds", "3")
    before = snapshot(source)
    assert len(before["attempts"]) > 300

    # The README's procedure: a custom-format dump, restored into an empty database.
    plain = make_url(source).set(drivername="postgresql")
    dump = tmp_path / "contest.dump"
    subprocess.run(
        [
            tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            f"--file={dump}",
            plain.render_as_string(False),
        ],
        check=True,
        timeout=300,
    )
    subprocess.run(
        [
            tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            f"--dbname={make_url(target).set(drivername='postgresql').render_as_string(False)}",
            str(dump),
        ],
        check=True,
        timeout=300,
    )
    restored = snapshot(target)
    assert restored["attempts"] == before["attempts"], "every attempt is back"
    # The standings must come from the rebuild, not from the dump: empty them first.
    wipe(target)
    assert all(not rows for name, rows in snapshot(target).items() if name != "attempts")
    assert "Standings rebuilt" in quiz(target, tmp_path, "leaderboard", "rebuild")
    assert snapshot(target) == before, "the rebuild gives exactly the standings kept live"
