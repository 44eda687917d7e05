"""Before review is allowed, nothing a student can fetch tells the answer.

The test walks every page a student can reach during an open round (following
links from the home page and the attempt), and the API responses, and checks
that no response carries an explanation or marks an option as correct.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from quiz.bank.models import QuestionVersion

SKIP = ("/logout", "/language", "/static/")


def secrets_of_the_bank(db_session):
    """Explanation texts in every language (each would give an answer away)."""
    texts = set()
    for version in db_session.scalars(select(QuestionVersion)):
        texts.update(t for t in version.explanation.values() if t)
    return texts


def assert_no_answer(body: str, explanations: set[str], where: str):
    for text in explanations:
        assert text not in body, f"{where} carries an explanation"
    assert '"correct"' not in body and '"explanation"' not in body, where
    assert not re.search(r"data-correct|class=\"[^\"]*\bright\b|✓", body), where


def crawl(client, start_paths, explanations, headers):
    seen, queue = set(), list(start_paths)
    while queue:
        path = queue.pop()
        if path in seen or any(path.startswith(s) for s in SKIP):
            continue
        seen.add(path)
        response = client.get(path, headers=headers, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert_no_answer(body, explanations, path)
        for href in re.findall(r'href="([^"#]+)"', body):
            target = urlsplit(urljoin("http://localhost" + path, href))
            if target.netloc in ("", "localhost"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def test_nothing_reachable_by_a_student_during_an_open_round_reveals_an_answer(
    student_client, make_round, db_session
):
    # The most revealing rule (a practice round's): still nothing before.
    round_ = make_round(review="immediately", ranked=False)
    attempt = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json
    aid = attempt["id"]
    explanations = secrets_of_the_bank(db_session)
    assert explanations
    api_bodies = [
        student_client.get("/api/v1/rounds"),
        student_client.get(f"/api/v1/attempts/{aid}"),
        student_client.post(f"/api/v1/rounds/{round_.id}/attempts"),
        student_client.put(f"/api/v1/attempts/{aid}/answers/1", json={"choices": ["b"]}),
        student_client.put(f"/api/v1/attempts/{aid}/answers/1", json={"choices": ["zz"]}),
        student_client.put(f"/api/v1/attempts/{aid}/answers/2", json={"choices": ["a", "b"]}),
        student_client.put(f"/api/v1/attempts/{aid}/answers/77", json={"choices": ["a"]}),
    ]
    for response in api_bodies:
        assert_no_answer(
            json.dumps(response.json, ensure_ascii=False), explanations, response.request.path
        )
    # The API's own description names the review fields, but never a value.
    document = student_client.get("/api/v1/openapi.json").get_data(as_text=True)
    assert not [text for text in explanations if text in document]
    for language in ("vi", "en", "fr"):
        seen = crawl(
            student_client,
            [
                "/",
                f"/attempts/{aid}",
                f"/attempts/{aid}/confirm",
                f"/attempts/{aid}/result",
                f"/attempts/{aid}/review",
            ],
            explanations,
            {"Accept-Language": language},
        )
        assert f"/attempts/{aid}?q=1" in seen and f"/rounds/{round_.id}" in seen
    script = student_client.get("/static/js/attempt.js").get_data(as_text=True)
    assert "correct" not in script and "explanation" not in script


def test_after_submission_but_before_close_the_answers_stay_hidden(
    student_client, make_round, db_session
):
    round_ = make_round(review="after_close")
    aid = student_client.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    student_client.post(f"/api/v1/attempts/{aid}/submit", json={})
    explanations = secrets_of_the_bank(db_session)
    assert_no_answer(
        json.dumps(student_client.get(f"/api/v1/attempts/{aid}").json), explanations, "attempt"
    )
    crawl(
        student_client,
        ["/", f"/attempts/{aid}/result", f"/attempts/{aid}/review"],
        explanations,
        {},
    )
