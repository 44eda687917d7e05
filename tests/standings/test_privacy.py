"""Public pages and API never show a student's e-mail, full name or student number."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from tests.conftest import log_in
from tests.standings.test_leaderboard_api import take


def test_no_public_page_or_board_shows_private_details(
    app, make_user, make_round, client, db_session
):
    round_ = make_round()
    people = [
        make_user(
            full_name=f"Hoàng Thị Riêng{n}",
            student_number=f"PRIV-{n:03d}",
            display_name=f"Public{n} H.",
        )
        for n in range(3)
    ]
    for person in people:
        take(log_in(app, person), round_)
    secrets = (
        {p.full_name for p in people}
        | {p.student_number for p in people}
        | {p.email for p in people}
    )

    def check(body: str, where: str) -> None:
        for secret in secrets:
            assert secret not in body, f"{where} shows {secret}"

    crawl_check(client, check)
    for path in (
        f"/api/v1/rounds/{round_.id}/leaderboard",
        "/api/v1/leaderboard/students",
        "/api/v1/leaderboard/universities",
        "/api/v1/universities",
        "/api/v1/rounds",
    ):
        check(json.dumps(client.get(path).json, ensure_ascii=False), path)
    code = people[0].university.code
    check(client.get(f"/leaderboards/universities/{code}").get_data(as_text=True), code)


def crawl_check(client, check):
    seen = set()

    def visit(path, body):
        seen.add(path)
        check(body, path)

    crawl_with(client, ["/", "/leaderboards/students", "/leaderboards/universities"], visit)
    assert "/leaderboards/students" in seen


def crawl_with(client, start, visit):
    queue, seen = list(start), set()
    while queue and len(seen) < 200:
        path = queue.pop()
        if path in seen or path.startswith(("/static/", "/logout", "/language")):
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)
        body = response.get_data(as_text=True)
        visit(path, body)
        for href in re.findall(r'href="([^"#]+)"', body):
            target = urlsplit(urljoin("http://localhost" + path, href))
            if target.netloc in ("", "localhost"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
