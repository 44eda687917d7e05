"""A whole attempt on a phone, in Debian's Chromium: saves, reload, offline, timer.

Screenshots of each step are kept in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

SAVED = "Đã lưu"


@pytest.fixture
def phone_390(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        locale="vi-VN",
        is_mobile=True,
        has_touch=True,
    )
    yield context
    context.close()


def answer(page, position, option_index=0):
    section = page.locator(f'.item[data-position="{position}"]')
    section.locator("label.option").nth(option_index).click()


def wait_saved(page):
    page.wait_for_function(
        "text => document.getElementById('save-state').textContent === text",
        arg=SAVED,
        timeout=10_000,
    )


def server_choices(page, attempt_id):
    response = page.request.get(f"{page.url.split('/attempts')[0]}/api/v1/attempts/{attempt_id}")
    return {item["position"]: item["choices"] for item in response.json()["items"]}


@pytest.mark.browser
def test_a_whole_attempt_on_a_phone(live_server, phone_390, student, make_round):
    round_ = make_round(time_limit_seconds=45, grace_seconds=2)
    page = phone_390.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", student.email)
    page.fill("#password", PASSWORD)
    page.click("form[novalidate] button[type=submit]")
    page.goto(f"{live_server}/rounds/{round_.id}")
    screenshot(page, "attempt-0-start-page")
    page.click("text=Bắt đầu ngay")
    page.wait_for_url(re.compile(r"/attempts/\d+"))
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))

    # A 45-second round does not open on "1 minute left"; no menu to leave by mistake.
    page.wait_for_timeout(600)
    assert page.locator("#time-alert").is_hidden()
    assert page.locator("#main-menu").count() == 0 and "Đăng xuất" not in page.content()
    # The question list is folded: "save and next" is on the first screen.
    button = page.locator(".item.current button[data-go]").bounding_box()
    assert button["y"] + button["height"] <= 844, button
    assert page.evaluate("document.activeElement.tagName") != "H1"  # no focus box on load

    # Answer question 1; the page says it is saved.
    answer(page, 1)
    wait_saved(page)
    screenshot(page, "attempt-1-saved")
    page.click('.item[data-position="1"] >> text=Lưu và sang câu tiếp')
    assert page.locator('.item[data-position="2"]').is_visible()
    answer(page, 2, 1)
    wait_saved(page)

    # Reload mid-attempt: same question, answers still there.
    page.reload()
    assert page.locator('.item[data-position="2"]').is_visible()
    assert page.locator('.item[data-position="2"] input[name="choices"]').nth(1).is_checked()
    page.click("details.navigator > summary")  # the question list, folded
    page.click('.navigator a[data-position="1"]')
    assert page.locator('.item[data-position="1"] input[name="choices"]').nth(0).is_checked()
    screenshot(page, "attempt-2-after-reload")

    # Offline: the answer waits in the browser, then reaches the server.
    phone_390.set_offline(True)
    page.click("details.navigator > summary")
    page.click('.navigator a[data-position="3"]')
    answer(page, 3, 2)
    page.wait_for_function(
        "() => document.getElementById('save-state').classList.contains('offline')", timeout=10_000
    )
    # Waiting on this device is not shown as saved.
    link = page.locator('.navigator a[data-position="3"]')
    assert "queued" in link.get_attribute("class") and "answered" not in link.get_attribute("class")
    screenshot(page, "attempt-3-offline")
    phone_390.set_offline(False)
    wait_saved(page)
    choices = server_choices(page, attempt_id)
    assert choices[3] and choices[1] and choices[2]
    assert "answered" in link.get_attribute("class") and "queued" not in link.get_attribute("class")
    screenshot(page, "attempt-4-back-online")

    # Let the timer run out: the attempt is submitted and the result shown.
    page.wait_for_url(re.compile(r"/attempts/\d+/result"), timeout=70_000)
    screenshot(page, "attempt-5-result")
    # Said, not just "submitted" (expired instead when the submission came after the grace).
    assert 'data-ended="timed_out"' in page.content()
    assert len(server_choices(page, attempt_id)) == 4


@pytest.mark.browser
def test_finishing_offline_waits_for_the_network_and_says_so(
    live_server, phone_390, student, make_round
):
    round_ = make_round(time_limit_seconds=600)
    page = phone_390.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", student.email)
    page.fill("#password", PASSWORD)
    page.click("form[novalidate] button[type=submit]")
    page.goto(f"{live_server}/rounds/{round_.id}")
    page.click("text=Bắt đầu ngay")
    page.wait_for_url(re.compile(r"/attempts/\d+"))
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    phone_390.set_offline(True)
    answer(page, 1, 1)
    page.click("#finish-link")
    alert = page.locator("#time-alert")
    alert.wait_for(state="visible", timeout=10_000)
    assert "Không có kết nối" in alert.inner_text()
    assert "/confirm" not in page.url
    screenshot(page, "attempt-finish-offline")
    phone_390.set_offline(False)  # back online: the answer goes, then the confirmation
    page.wait_for_url(re.compile(r"/confirm"), timeout=20_000)
    assert server_choices(page, attempt_id)[1]
