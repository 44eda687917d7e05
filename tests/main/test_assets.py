"""What a phone downloads: compressed pages and answers, static files cached for a year."""

from __future__ import annotations

import gzip
import re

import brotli

from quiz.assets import ONE_YEAR


def test_a_page_over_1_kb_is_gzipped_for_a_browser_that_accepts_only_gzip(client):
    plain = client.get("/rules")
    squeezed = client.get("/rules", headers={"Accept-Encoding": "gzip"})
    assert len(plain.data) > 1024 and plain.headers.get("Content-Encoding") is None
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed.headers["Vary"]
    assert gzip.decompress(squeezed.data) == plain.data
    assert len(squeezed.data) < len(plain.data) / 2


def test_brotli_is_used_when_the_browser_prefers_it(client):
    response = client.get("/rules", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"<html" in brotli.decompress(response.data)


def test_json_over_1_kb_is_compressed_and_a_small_answer_is_not(client):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert document.headers["Content-Encoding"] == "gzip"
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(small.data) < 1024 and small.headers.get("Content-Encoding") is None


def test_static_files_are_linked_with_their_digest_and_cached_for_a_year(client):
    page = client.get("/rules").text
    links = re.findall(r"/static/(?:css|js)/[\w.-]+\?v=([0-9a-f]{12})", page)
    assert links, "the style sheet is linked with its digest"
    css = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]+)"', page).group(1)
    response = client.get(css, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert f"max-age={ONE_YEAR}" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "br"
