"""The pages fit a 360 px phone and keep keyboard users oriented."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

PAGES = [
    "/",
    "/register",
    "/login",
    "/universities",
    "/rules",
    "/leaderboards/students",
    "/leaderboards/universities",
]


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_360px_phone_without_sideways_scrolling(
    live_server, phone, make_university, path
):
    make_university(name_vi="Trường Đại học Khoa học Xã hội và Nhân văn, Đại học Quốc gia Hà Nội")
    phone.goto(live_server + path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide"
    assert phone.get_attribute("html", "lang") == "vi"
    screenshot(phone, "phone" + path.replace("/", "-").rstrip("-"))


@pytest.mark.browser
def test_every_form_field_has_a_label(live_server, phone, make_university):
    make_university()
    phone.goto(live_server + "/register")
    unlabeled = phone.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
             .map(e => e.name || e.id)"""
    )
    assert unlabeled == []


@pytest.mark.browser
def test_university_filter_narrows_the_list(live_server, phone, make_university):
    make_university(code="HUST", name_vi="Đại học Bách khoa Hà Nội")
    make_university(code="UEH", name_vi="Đại học Kinh tế TP. Hồ Chí Minh")
    phone.goto(live_server + "/register")
    phone.fill("#university-filter", "bach khoa")
    visible = phone.evaluate(
        """[...document.querySelectorAll('#university_code option')]
             .filter(o => !o.hidden && o.value).map(o => o.value)"""
    )
    assert visible == ["HUST"]
    assert phone.input_value("#university_code") == "HUST"


@pytest.mark.browser
def test_skip_link_is_the_first_stop_for_the_keyboard(live_server, phone):
    phone.goto(live_server + "/")
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"


@pytest.mark.browser
def test_chart_labels_are_12px_or_more_on_a_360px_phone(
    live_server, phone, make_university, make_round
):
    make_round(title={"vi": "Vòng 1 — Hiểu Công ước Hà Nội"})
    make_round(title={"vi": "Vòng 2 — An toàn trên mạng"})
    make_university(code="HUST")
    phone.goto(live_server + "/leaderboards/universities/HUST")
    heights = phone.evaluate(
        """[...document.querySelectorAll('figure.chart svg text')]
             .map(t => t.getBoundingClientRect().height)"""
    )
    assert heights and min(heights) >= 12, heights
    screenshot(phone, "phone-chart")
