"""Who may open what: every route of the app's URL map, for every kind of person.

The table below classifies each endpoint; a route added without a line here
fails ``test_every_route_is_classified`` until someone decides who may use it.
For each (route, method, person) the answer must be what the class says:

- ``public``: anyone (never 401/403, never a 5xx);
- ``login``: any logged-in person; visitors are sent to log in (pages) or get 401 (API);
- ``student`` / ``organiser``: only that role; others get 403, visitors log in first;
- ``coordinator``: coordinators (their own university) and organisers;
- ``coordinator_own``: the coordinator of that student's university, and organisers;
- ``own``: the student whose attempt it is (and organisers for reading);
  another student gets 404, never the attempt;
- ``review``: the owner's review, which nobody opens while the round is open
  (the round here is open): refused to everyone;
- ``anonymous``: pages for people without an account (logged-in people are sent on).
"""

from __future__ import annotations

import re

import pytest

from quiz.accounts.models import Role
from tests.conftest import log_in

ACCESS = {
    "main.home": "public",
    "main.rules": "public",
    "main.privacy": "public",
    "main.health": "public",
    "main.set_language": "public",
    "static": "public",
    "universities.index": "public",
    "boards.students": "public",
    "boards.universities": "public",
    "boards.university": "public",
    "contest.rounds": "public",
    "contest.round_page": "public",
    "accounts.login": "anonymous",
    "accounts.register": "anonymous",
    "accounts.accept_invitation": "public",
    "accounts.forgot_password": "public",
    "accounts.reset_password": "public",
    "accounts.logout": "login",
    "accounts.profile": "login",
    "accounts.change_password": "login",
    "contest.start": "student",
    "contest.sealed_paper": "student",
    "contest.attempt_page": "own",
    "contest.answer": "own",
    "contest.confirm": "own",
    "contest.result": "own",
    "contest.review": "review",
    "contest.submit": "own",
    "coordinator.dashboard": "coordinator",
    "coordinator.export": "coordinator",
    "coordinator.verify": "coordinator_own",
    "organiser.users": "organiser",
    "organiser.reset_link": "organiser",
    "organiser.import_roster": "organiser",
    "organiser.audit": "organiser",
    "bank.index": "organiser",
    "bank.detail": "organiser",
    "bank.edit": "organiser",
    "bank.preview": "organiser",
    "bank.restore": "organiser",
    "bank.retire": "organiser",
    "bank.create": "organiser",
    "bank.upload": "organiser",
    "bank.bank_health": "organiser",
    "rounds_admin.index": "organiser",
    "rounds_admin.detail": "organiser",
    "rounds_admin.edit": "organiser",
    "rounds_admin.prediction": "organiser",
    "rounds_admin.publish": "organiser",
    "rounds_admin.create": "organiser",
    "operations.round_operations": "organiser",
    "operations.add_override": "organiser",
    "operations.remove_override": "organiser",
    "operations.incident": "organiser",
    "operations.regrade": "organiser",
    "operations.item_analysis": "organiser",
    "operations.item_analysis_csv": "organiser",
    "operations.integrity_queue": "organiser",
    "operations.integrity_scan": "organiser",
    "operations.integrity_decide": "organiser",
    "monitor.round_monitor": "organiser",
    "results.appeal": "own",
    "results.file_appeal": "own",
    "results.queue": "organiser",
    "results.appeal_window": "organiser",
    "results.answer": "organiser",
    "results.official": "organiser",
    "results.reopen": "organiser",
    "results.university_appeals": "coordinator",
    "results.export": "organiser",
    "results.public_overall": "public",
    "results.public_round": "public",
    "results.make_practice": "organiser",
    "results.practice_history": "login",
    "results.study_page": "public",
    "certificates.verify": "public",
    "certificates.mine": "login",
    # Its student, their coordinators and organisers; anyone else: 404 (no hint).
    "certificates.download": "login",
    "certificates.admin": "organiser",
    "certificates.issue": "organiser",
    "certificates.revoke": "organiser",
    "certificates.admin_zip": "organiser",
    "certificates.university": "coordinator",
    "certificates.university_zip": "coordinator",
    # Organisers, or the addresses in QUIZ_METRICS_ALLOW (none here); others: 404.
    "monitor.metrics": "metrics",
    "api.openapi": "public",
    "api.list_rounds": "public",
    "api.list_universities": "public",
    "api.students_leaderboard": "public",
    "api.universities_leaderboard": "public",
    "api.round_leaderboard": "public",
    "api.create_token": "public",
    "api.register": "public",
    "api.revoke_token": "login",
    "api.create_round": "organiser",
    "api.set_override": "organiser",
    "api.incident": "organiser",
    "api.regrade": "organiser",
    "api.item_analysis": "organiser",
    "api.integrity_signals": "organiser",
    "api.scan_signals": "organiser",
    "api.decide_signal": "organiser",
    "api.round_results": "public",
    "api.file_appeal": "own",
    "api.round_appeals": "login",
    "api.answer_appeals": "organiser",
    "api.appeal_window": "organiser",
    "api.make_official": "organiser",
    "api.reopen_results": "organiser",
    "api.make_practice": "organiser",
    "api.issue_certificates": "organiser",
    "api.certificate": "public",
    "api.revoke_certificate": "organiser",
    "api.start_attempt": "student",
    "api.read_attempt": "own",
    "api.save_answer": "own",
    "api.submit_attempt": "own",
}
#: A valid body where an empty one would be refused before anyone's rights are looked at.
BODIES = {"api.save_answer": {"choices": []}, "api.file_appeal": {"position": 1, "text": "?"}}
PEOPLE = ("visitor", "student", "other_student", "coordinator", "other_coordinator", "organiser")


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "classify the new routes in ACCESS"
    assert set(ACCESS) - endpoints == set(), "remove the routes that are gone"


@pytest.fixture
def world(app, make_user, make_university, make_round, db_session, make_bank):
    """One of each person, a round, an attempt of ``student``, a bank question."""
    home, elsewhere = make_university(), make_university()
    people = {
        "student": make_user(Role.STUDENT, university=home),
        "other_student": make_user(Role.STUDENT, university=elsewhere),
        "coordinator": make_user(Role.COORDINATOR, university=home),
        "other_coordinator": make_user(Role.COORDINATOR, university=elsewhere),
        "organiser": make_user(Role.ORGANISER),
    }
    round_ = make_round()
    owner = log_in(app, people["student"])
    attempt = owner.post(f"/api/v1/rounds/{round_.id}/attempts").json["id"]
    values = {
        "attempt_id": attempt,
        "round_id": round_.id,
        "student_id": people["student"].id,
        "user_id": people["student"].id,
        "position": 1,
        "override_id": 1,
        "signal_id": 1,
        "question_id": 1,
        "kind": "students",
        "fmt": "csv",
        "key": "basics-easy-single-01",
        "code": home.code,
        "token": "not-a-token",
        "filename": "css/site.css",
    }
    return people, values


def url_for_rule(rule, values) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def client_for(app, people, who):
    return app.test_client() if who == "visitor" else log_in(app, people[who])


def refused(response, who, api: bool) -> bool:
    if who == "visitor":
        if api:
            return response.status_code == 401
        return response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code == 403


def test_every_route_answers_each_person_as_classified(app, world):
    people, values = world
    problems = []
    for rule in app.url_map.iter_rules():
        kind = ACCESS[rule.endpoint]
        url = url_for_rule(rule, values)
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for who in PEOPLE:
                client = client_for(app, people, who)
                response = client.open(
                    url, method=method, json=BODIES.get(rule.endpoint, {}) if api else None
                )
                status = response.status_code
                response.close()  # a streamed body (a zip) ends its request here
                allowed = {
                    "public": True,
                    "anonymous": True,
                    "login": who != "visitor",
                    "student": who in ("student", "other_student"),
                    "organiser": who == "organiser",
                    "coordinator": who in ("coordinator", "other_coordinator", "organiser"),
                    "coordinator_own": who in ("coordinator", "organiser"),
                    "own": who == "student" or (who == "organiser" and method == "GET"),
                    "review": False,
                    "metrics": who == "organiser",
                }[kind]
                if status >= 500:
                    problems.append((method, url, who, status, "server error"))
                elif kind == "metrics" and not allowed:
                    if status != 404:
                        problems.append((method, url, who, status, "metrics shown"))
                elif kind in ("own", "review") and not allowed and who != "visitor":
                    if status not in (403, 404):
                        problems.append((method, url, who, status, "another's attempt"))
                elif allowed and status in (401, 403):
                    problems.append((method, url, who, status, "refused"))
                elif not allowed and not refused(response, who, api):
                    problems.append((method, url, who, status, "let in"))
    assert problems == [], "\n".join(map(str, problems))


def test_a_coordinator_never_opens_another_universitys_dashboard(app, world):
    people, values = world
    other = log_in(app, people["other_coordinator"])
    for path in ("/coordinator/", "/coordinator/export.csv"):
        response = other.get(f"{path}?university={values['code']}")
        assert response.status_code == 403, path
