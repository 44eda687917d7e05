"""Waiting on the round page for a synchronized start, in Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from quiz.clock import now
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_the_start_button_opens_at_the_servers_instant(live_server, phone, student, make_round):
    moment = now()
    round_ = make_round(
        opens_at=moment + timedelta(seconds=4), closes_at=moment + timedelta(hours=1)
    )
    page = phone
    page.goto(f"{live_server}/login")
    page.fill("#email", student.email)
    page.fill("#password", PASSWORD)
    page.click("form[novalidate] button[type=submit]")
    page.goto(f"{live_server}/rounds/{round_.id}")
    button = page.locator("[data-start-button]")
    assert button.is_disabled()
    assert page.locator("[data-waiting] time").is_visible()
    screenshot(page, "round-waiting")
    # The attempt page's script is fetched while the student waits.
    assert page.evaluate(
        "() => [...document.querySelectorAll('link[rel=prefetch]')].some("
        "l => l.href.includes('/static/js/attempt.js'))"
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-start-button]').disabled", timeout=15_000
    )
    assert page.locator("[data-open]").is_visible()
    button.click()
    page.wait_for_url(re.compile(r"/attempts/\d+"))
    assert page.locator(".item.current").is_visible()
