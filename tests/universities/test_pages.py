"""The public universities page and API."""

from __future__ import annotations


def test_search_ignores_accents_and_case(client, make_university):
    make_university(
        code="HUST",
        name_vi="Đại học Bách khoa Hà Nội",
        name_en="Hanoi University of Science and Technology",
    )
    make_university(
        code="UEH",
        name_vi="Đại học Kinh tế TP. Hồ Chí Minh",
        name_en="University of Economics Ho Chi Minh City",
    )
    response = client.get("/universities", query_string={"q": "bach khoa"})
    assert "Đại học Bách khoa Hà Nội" in response.text
    assert "Kinh tế" not in response.text


def test_english_page_shows_english_names(client, make_university):
    make_university(
        code="HUST",
        name_vi="Đại học Bách khoa Hà Nội",
        name_en="Hanoi University of Science and Technology",
    )
    response = client.get("/universities?q=hust", headers={"Accept-Language": "en"})
    assert "Hanoi University of Science and Technology" in response.text


def test_api_lists_universities_with_total_and_paging(client, make_university):
    for _ in range(3):
        make_university()
    response = client.get("/api/v1/universities", query_string={"limit": 2})
    assert response.status_code == 200
    body = response.json
    assert body["total"] >= 3
    assert len(body["universities"]) == 2
    assert set(body["universities"][0]) == {"code", "name", "short_name"}


def test_api_limit_is_capped_and_checked(client, make_university):
    make_university()
    assert client.get("/api/v1/universities?limit=100000").status_code == 200
    response = client.get("/api/v1/universities?limit=-1")
    assert response.status_code == 422
    response = client.get("/api/v1/universities?offset=abc")
    assert response.status_code == 422


def test_search_with_wildcards_is_literal(client, make_university):
    make_university(code="PCT", name_vi="Trường 100% thật", name_en="Real University")
    make_university(code="OTH", name_vi="Trường khác", name_en="Other University")
    response = client.get("/universities", query_string={"q": "%"})
    assert "Trường khác" not in response.text
