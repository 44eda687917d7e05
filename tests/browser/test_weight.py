"""The attempt page is light on a phone's first load: under 60 KB transferred with
everything it needs, the first question in the page's own HTML (readable before any
script runs). How fast it reads over slow 3G is measured in benchmarks/slow_3g.py."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

TRANSFERRED = """() => performance.getEntriesByType('navigation')[0].transferSize +
  performance.getEntriesByType('resource').reduce((sum, r) => sum + r.transferSize, 0)"""


@pytest.mark.browser
def test_the_attempt_page_is_under_60_kb_on_first_load(
    live_server, browser, student, make_bank, make_round
):
    from quiz.rounds.services import BlueprintLine

    make_bank(topic="law", easy=30)
    round_ = make_round(blueprint=[BlueprintLine(20, "law", "easy")], time_limit_seconds=1200)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", student.email)
        page.fill("#password", PASSWORD)
        page.click("form[novalidate] button[type=submit]")
        page.wait_for_load_state()
        started = page.request.post(
            f"{live_server}/api/v1/rounds/{round_.id}/attempts",
            headers={
                "X-CSRFToken": page.evaluate(
                    "document.querySelector('[name=csrf_token]')?.value || ''"
                )
            },
        )
        attempt_id = started.json()["id"]
        fresh = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="vi-VN",
            storage_state=context.storage_state(),
        )
        phone = fresh.new_page()
        html = phone.goto(f"{live_server}/attempts/{attempt_id}")
        assert 'class="question-text"' in html.text()  # server-rendered: no script needed
        phone.wait_for_load_state("load")
        transferred = phone.evaluate(TRANSFERRED)
        assert 0 < transferred < 60 * 1024, transferred
        fresh.close()
    finally:
        context.close()
