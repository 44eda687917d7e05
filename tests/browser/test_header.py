"""The header: folded behind one button on a phone, one line for an organiser on a
laptop."""

from __future__ import annotations

import pytest

from quiz.accounts.models import Role
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


def log_in(page, server, user):
    page.goto(f"{server}/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
def test_on_a_phone_the_menu_folds_behind_one_button(live_server, phone, student):
    log_in(phone, live_server, student)
    phone.goto(live_server + "/rules")
    header = phone.evaluate("document.querySelector('.site-header').offsetHeight")
    assert header <= 110, header  # the brand and the button: the page starts at once
    assert phone.locator("#main-menu").is_hidden()
    phone.click(".menu-button")
    assert phone.locator("#main-menu").is_visible()
    assert phone.get_attribute(".menu-button", "aria-expanded") == "true"
    screenshot(phone, "phone-menu-open")


@pytest.mark.browser
def test_an_organisers_menu_keeps_to_two_lines_on_a_laptop(live_server, browser, make_user):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    try:
        log_in(page, live_server, make_user(Role.ORGANISER))
        page.goto(live_server + "/rules")
        assert page.locator(".menu-button").is_hidden()
        lines = page.evaluate(
            """new Set([...document.querySelectorAll('#main-menu .menu > li')]
                 .map(li => Math.round(li.getBoundingClientRect().top))).size"""
        )
        assert lines == 1, lines
        screenshot(page, "desktop-organiser-header")
    finally:
        context.close()
