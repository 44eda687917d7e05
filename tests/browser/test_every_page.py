"""Every page of every role, in Debian's Chromium: axe-core finds nothing critical or
serious, the page never scrolls sideways on a 360 px phone, and a screenshot of each
(phone and desktop) goes to test-artifacts/gallery/ with an index to look at them all.

The pages are those of a contest after its first round: an official round with
appeals, certificates and a practice round made of it, and a round open now.
"""

from __future__ import annotations

import html
import os
from datetime import timedelta

import pytest
import time_machine

from quiz.accounts.models import Role
from quiz.attempts import services as attempts
from quiz.certificates import services as certificates
from quiz.clock import now
from quiz.results import appeals, practice
from quiz.results import services as results
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.operations.test_regrading import KEYS, closed_round

GALLERY = ARTIFACTS / "gallery"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def contest(db_session, make_user, make_university, make_round):
    """The people and pages of a contest whose first round is official."""
    home = make_university(code="HUST", name_vi="Đại học Bách khoa Hà Nội")
    student = make_user(university=home, full_name="Nguyễn Thị Hồng Nhung", display_name="Nhung N.")
    others = [make_user(university=home) for _ in range(3)]
    people = {
        "student": student,
        "coordinator": make_user(Role.COORDINATOR, university=home),
        "organiser": make_user(Role.ORGANISER),
    }
    moment = now() - timedelta(days=3)
    answers = [{k: "a" for k in KEYS[: 4 - n]} for n in range(4)]
    done = closed_round(db_session, [student, *others], answers, moment)
    after = done.closes_at + timedelta(seconds=done.grace_seconds + 1)
    with time_machine.travel(after, tick=False):
        results.set_appeal_window(db_session, done.id, 72, actor_id=None)
        attempt = attempts.attempts_of(db_session, done, student)[0]
        appeals.file(db_session, attempt.id, 1, "Câu này có hai cách hiểu.", student_id=student.id)
    with time_machine.travel(after + timedelta(hours=73), tick=False):
        for appeal in appeals.rows_of_round(db_session, done.id):
            appeals.answer(
                db_session, done.id, [appeal.appeal.id], "reject", "Đáp án đúng.", actor_id=None
            )
        results.make_official(db_session, done.id, actor_id=None)
        certificates.issue_round(db_session, done.id, actor_id=None)
    made = practice.practice_from(
        db_session, done.id, now() - timedelta(hours=1), now() + timedelta(days=7), actor_id=None
    )
    open_round = make_round(title={"vi": "Vòng 2", "en": "Round 2", "fr": "Manche 2"})
    running = attempts.start(db_session, open_round, student)
    code = certificates.shown(next(c for c in certificates.of_student(db_session, student.id)).code)
    pages = {
        "visitor": [
            "/",
            "/rules",
            "/register",
            "/login",
            "/universities",
            "/leaderboards/students",
            f"/leaderboards/students?round={done.id}",
            "/leaderboards/universities",
            "/leaderboards/universities/HUST",
            "/study",
            "/results",
            f"/results/{done.id}",
            f"/verify/{code}",
            "/privacy",
        ],
        "student": [
            "/rounds",
            f"/rounds/{open_round.id}",
            f"/attempts/{running.attempt_id}",
            f"/attempts/{running.attempt_id}/confirm",
            f"/attempts/{attempt.id}/result",
            f"/attempts/{attempt.id}/review",
            f"/attempts/{attempt.id}/appeals/1",
            f"/rounds/{made.id}",
            "/practice",
            "/certificates",
            "/profile",
        ],
        "coordinator": ["/coordinator/", "/coordinator/appeals", "/coordinator/certificates"],
        "organiser": [
            "/organiser/rounds/",
            f"/organiser/rounds/{done.id}",
            f"/organiser/rounds/{done.id}/edit",
            "/organiser/rounds/new",
            f"/organiser/rounds/{done.id}/operations",
            f"/organiser/rounds/{done.id}/analysis",
            f"/organiser/rounds/{done.id}/integrity",
            f"/organiser/rounds/{open_round.id}/monitor",
            f"/organiser/rounds/{done.id}/appeals",
            "/organiser/certificates",
            "/organiser/bank/",
            "/organiser/bank/upload",
            "/organiser/bank/health",
            f"/organiser/bank/{KEYS[0]}",
            f"/organiser/bank/{KEYS[0]}/edit",
            "/organiser/users",
            "/organiser/audit",
        ],
    }
    db_session.commit()
    return people, pages


def _log_in(page, server, user):
    page.goto(f"{server}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("axe-playwright-python is not installed")
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")
    return Axe()


def _findings(axe, page) -> list[str]:
    found = axe.run(page).response["violations"]
    return [
        f"{v['impact']} {v['id']}: {v['help']} "
        f"({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in found
        if v["impact"] in ("critical", "serious")
    ]


def _name(role: str, path: str, size: str, locale: str) -> str:
    if path.startswith("/verify/"):
        path = "/verify"  # the code is new each run: one name for the page
    slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
    return f"{size}-{locale}-{role}-{slug}"


def _walk(browser, server, people, pages, *, viewport, locale, roles) -> list[str]:
    axe = _axe()
    problems = []
    GALLERY.mkdir(parents=True, exist_ok=True)
    size = "phone" if viewport["width"] < 500 else "desktop"
    for role in roles:
        context = browser.new_context(
            viewport=viewport, device_scale_factor=1, locale={"vi": "vi-VN"}.get(locale, locale)
        )
        context.set_extra_http_headers({"Accept-Language": locale})
        page = context.new_page()
        try:
            if role != "visitor":
                _log_in(page, server, people[role])
            for path in pages[role]:
                response = page.goto(server + path)
                page.wait_for_load_state()
                status = response.status if response else 0
                if status >= 400:
                    problems.append(f"{role} {path}: HTTP {status}")
                    continue
                problems += [f"{role} {path}: {f}" for f in _findings(axe, page)]
                if size == "phone":
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > viewport["width"]:
                        problems.append(f"{role} {path}: {width}px wide")
                page.screenshot(
                    path=str(GALLERY / f"{_name(role, path, size, locale)}.png"), full_page=True
                )
        finally:
            context.close()
    return problems


def _index() -> None:
    """test-artifacts/gallery/index.html: every screenshot, phone beside desktop."""
    shots = sorted(p.name for p in GALLERY.glob("*.png"))
    figures = "\n".join(
        f'<figure><img src="{html.escape(name)}" loading="lazy" width="360">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name in shots
    )
    (GALLERY / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Gallery</title>"
        "<style>body{font:14px sans-serif;display:flex;flex-wrap:wrap;gap:12px}"
        "figure{margin:0;width:360px}img{border:1px solid #ccc;max-width:100%}</style>"
        f"{figures}",
        encoding="utf-8",
    )


ROLES = ("visitor", "student", "coordinator", "organiser")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_of_every_role_in_vietnamese(live_server, browser, contest, viewport):
    people, pages = contest
    problems = _walk(
        browser, live_server, people, pages, viewport=viewport, locale="vi", roles=ROLES
    )
    _index()
    assert problems == [], "\n".join(problems)


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_student_pages_in_english_and_french(live_server, browser, contest, locale):
    people, pages = contest
    problems = _walk(
        browser,
        live_server,
        people,
        pages,
        viewport=PHONE,
        locale=locale,
        roles=("visitor", "student"),
    )
    _index()
    assert problems == [], "\n".join(problems)
