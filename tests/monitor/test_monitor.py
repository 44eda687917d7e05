"""The app's metrics and the organisers' live monitor."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, func, select

from quiz.accounts.models import Role
from quiz.clock import now
from quiz.monitor import services
from quiz.monitor.models import MetricsSample
from tests.conftest import PASSWORD, log_in


def counters(client, **kwargs):
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    return services.parse(response.get_data(as_text=True))


def organiser_token(app, make_user):
    organiser = make_user(Role.ORGANISER)
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": organiser.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def start_and_save(app, student, round_, saves):
    client = log_in(app, student)
    attempt = client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    for n in range(saves):
        item = attempt["items"][n % len(attempt["items"])]
        response = client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/{item['position']}",
            json={"choices": [item["options"][0]["id"]]},
        )
        assert response.status_code == 200
    return attempt


def test_metrics_count_starts_and_saves_for_organisers_and_allowed_addresses_only(
    app, make_user, make_round, student
):
    round_ = make_round()
    headers = organiser_token(app, make_user)
    visitor = app.test_client()
    before = counters(visitor, headers=headers)
    start_and_save(app, student, round_, 3)
    after = counters(visitor, headers=headers)
    assert after["starts"] - before["starts"] == 1
    assert after["saves"] - before["saves"] == 3
    saved = after["save_buckets"][-1][1] - before["save_buckets"][-1][1]
    assert saved == 3  # the +Inf bucket: every save was timed
    assert visitor.get("/metrics").status_code == 404
    assert log_in(app, student).get("/metrics").status_code == 404
    app.config["METRICS_ALLOW"] = "192.0.2.0/24, 2001:db8::/32"
    try:
        assert visitor.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200
        assert (
            visitor.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 404
        )
    finally:
        app.config["METRICS_ALLOW"] = ""


def test_the_monitor_shows_the_minutes_figures_and_refreshes_its_part(
    app, make_user, make_round, student, db_session
):
    round_ = make_round()
    organiser = log_in(app, make_user(Role.ORGANISER))
    url = f"/organiser/rounds/{round_.id}/monitor"
    english = {"Accept-Language": "en"}
    moment = (now() + timedelta(minutes=1)).replace(second=10, microsecond=0)
    with time_machine.travel(moment, tick=False) as clock:
        first = organiser.get(url, headers=english).get_data(as_text=True)
        assert "The first figures appear after two readings" in first
        assert '<meta http-equiv="refresh" content="15">' in first  # without JavaScript
        start_and_save(app, student, round_, 4)
        clock.shift(timedelta(seconds=2))
        organiser.get(url)  # read again within 5 s: no new sample
        assert db_session.scalar(select(func.count()).select_from(MetricsSample)) == 1
        clock.shift(timedelta(seconds=8))
        part = organiser.get(f"{url}?part=figures", headers=english)
    text = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in text
    assert '<dd data-figure="in-progress">1</dd>' in text
    assert '<dd data-figure="saves">0.4</dd>' in text  # 4 saves in the 10 s between readings
    assert '<dd data-figure="starts">6.0</dd>' in text  # 1 start in 10 s: 6 a minute
    assert db_session.scalar(select(func.count()).select_from(MetricsSample)) == 2


def sample(at, saves, buckets):
    return MetricsSample(server="s", at=at, values={"saves": saves, "save_buckets": buckets})


def test_minutes_survive_a_restart_and_percentiles_interpolate_in_their_bucket():
    t = now().replace(second=0, microsecond=0)
    samples = [
        sample(t, 100, [["0.1", 100], ["+Inf", 100]]),
        sample(t + timedelta(seconds=30), 160, [["0.1", 150], ["+Inf", 160]]),
        # The server restarted: its counters start from zero again.
        sample(t + timedelta(seconds=90), 30, [["0.1", 30], ["+Inf", 30]]),
    ]
    minutes = services.minutes_of(samples, t)
    first, second = minutes[t], minutes[t + timedelta(minutes=1)]
    assert first.per_second("saves") == 60 / 30
    assert second.per_second("saves") == 30 / 60
    # 60 saves: 50 under 0.1 s, 10 above. The median is at 30 of 50 in the first bucket.
    assert first.quantile(0.5) == pytest.approx(0.1 * 30 / 50)
    assert first.quantile(0.99) == 0.1  # above the last finite bound: that bound


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_served_instance_sums_its_workers_and_keeps_its_own_samples(tmp_path):
    port = free_port()
    database = f"sqlite:///{tmp_path / 'quiz.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZ_", "PROMETHEUS"))}
    env.update(
        QUIZ_INSTANCE_PATH=str(tmp_path),
        QUIZ_SECRET_KEY="m" * 48,
        QUIZ_DATABASE_URL=database,
        QUIZ_RATELIMIT_ENABLED="false",
        QUIZ_METRICS_ALLOW="127.0.0.1",
        QUIZ_METRICS_DIR=str(tmp_path / "metrics"),
        QUIZ_INSTANCE_NAME="server-a",
    )
    subprocess.run([sys.executable, "-m", "quiz", "db", "upgrade"], env=env, check=True)
    (tmp_path / "metrics").mkdir(exist_ok=True)
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"left by an earlier run")
    server = subprocess.Popen(
        [sys.executable, "-m", "quiz", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(database)
    try:
        for _ in range(80):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.25)
        pids = set()
        for _ in range(200):
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                response.read()
        for name in os.listdir(tmp_path / "metrics"):
            pids.add(name.rsplit("_", 1)[-1])
        assert "1.db" not in pids  # emptied at the start
        with urllib.request.urlopen(base + "/metrics", timeout=2) as response:
            read = services.parse(response.read().decode("utf-8"))
        assert read["requests"] >= 201
        assert len(pids) >= 2, "both workers wrote metrics"  # and they were summed
        # Nobody has the monitor open: the server keeps its samples by itself, one
        # worker for both, every 5 seconds.
        kept: list = []
        for _ in range(60):
            with engine.connect() as connection:
                kept = connection.execute(
                    select(MetricsSample.server, MetricsSample.values).order_by(MetricsSample.at)
                ).all()
            if len(kept) >= 2:
                break
            time.sleep(0.5)
        assert {server for server, _values in kept} == {"server-a"}
        assert len(kept) >= 2 and kept[-1][1]["requests"] >= 201
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=15)
        engine.dispose()


def test_the_monitor_shows_each_server_from_its_samples_and_one_gone_silent(
    app, make_user, make_round, db_session
):
    round_ = make_round()
    organiser = log_in(app, make_user(Role.ORGANISER))
    moment = (now() + timedelta(minutes=1)).replace(second=30, microsecond=0)
    for server, last in (("web-1:8000", moment), ("web-2:8000", moment - timedelta(seconds=20))):
        for seconds, saves in ((20, 0), (0, 50)):
            db_session.add(
                MetricsSample(
                    server=server,
                    at=last - timedelta(seconds=seconds),
                    values={"saves": saves, "save_buckets": [["+Inf", saves]]},
                )
            )
    db_session.flush()
    with time_machine.travel(moment, tick=False):
        page = organiser.get(
            f"/organiser/rounds/{round_.id}/monitor?part=figures",
            headers={"Accept-Language": "en"},
        ).get_data(as_text=True)
    rows = {
        server: page.split(f'data-server="{server}"')[1].split("</tr>")[0]
        for server in ("web-1:8000", "web-2:8000")
    }
    assert '<td class="num">2.5</td>' in rows["web-1:8000"]  # 50 saves in 20 s
    assert "silent since" not in rows["web-1:8000"]
    assert "silent since" in rows["web-2:8000"]  # its last sample is 20 s old
