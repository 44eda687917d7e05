"""Waiting on the round page for a synchronized start, in Debian's Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from quiz.clock import now
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_the_start_button_opens_at_the_servers_instant_and_the_paper_opens_in_place(
    live_server, phone, student, make_round, runner
):
    moment = now()
    round_ = make_round(
        opens_at=moment + timedelta(seconds=4), closes_at=moment + timedelta(hours=1)
    )
    assert runner.invoke(["papers", "prepare", "--round", str(round_.id)]).exit_code == 0
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
    # The sealed paper arrived while waiting; the page stays the same document.
    page.wait_for_selector("[data-start-form][data-sealed=ready]", state="attached")
    page.evaluate("() => { window.stillTheRoundPage = true; }")
    page.wait_for_function(
        "() => !document.querySelector('[data-start-button]').disabled", timeout=15_000
    )
    assert page.locator("[data-open]").is_visible()
    button.click()
    page.wait_for_url(re.compile(r"/attempts/\d+\?q=1"))
    assert page.locator(".item.current").is_visible()
    assert page.evaluate("() => window.stillTheRoundPage === true"), "opened in place"
    screenshot(page, "round-opened-in-place")
    # The attempt runs here: an answer is saved, and a reload shows the attempt page.
    page.locator('.item[data-position="1"] label.option').first.click()
    page.wait_for_function(
        "() => document.getElementById('save-state').textContent === 'Đã lưu'", timeout=10_000
    )
    page.reload()
    assert page.locator('.item[data-position="1"] input[name="choices"]').first.is_checked()
