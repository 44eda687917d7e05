"""The audit log says who did what in words, shows a change as before -> after, and
filters by person, kind and date."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from quiz.accounts.models import Role
from quiz.audit.services import record
from quiz.clock import now
from quiz.rounds.services import round_data_of, update_round
from tests.conftest import log_in

EN = {"Accept-Language": "en"}


def test_the_audit_log_reads_as_sentences_and_filters(app, db_session, make_user, make_round):
    organiser = make_user(Role.ORGANISER, full_name="Lê Minh Châu")
    other = make_user(Role.ORGANISER, full_name="Phạm Văn Bình")
    round_ = make_round(
        title={"vi": "Vòng 1", "en": "Round 1"},
        opens_at=now() + timedelta(days=1),
        closes_at=now() + timedelta(days=2),
    )
    update_round(
        db_session,
        round_,
        replace(round_data_of(round_), time_limit_seconds=900),
        actor_id=organiser.id,
    )
    record(db_session, other.id, "users.create", "user:999", role="coordinator")
    client = log_in(app, organiser)
    page = client.get("/organiser/audit", headers=EN).text
    assert 'Lê Minh Châu</strong> <span class="muted">(Organiser)</span>' in page
    assert 'changed a round: <span class="target">Round 1</span>' in page
    assert "Time limit (seconds)</span>: <del>600</del> → <ins>900</ins>" in page
    assert "rounds.update" not in page.split('data-action="rounds.update"', 1)[1].split("</li>")[0]
    only_people = client.get("/organiser/audit?kind=users", headers=EN).text
    assert "created an account" in only_people and "changed a round" not in only_people
    by_who = client.get(f"/organiser/audit?who={other.id}", headers=EN).text
    assert "Phạm Văn Bình" in by_who and "changed a round" not in by_who
    tomorrow = (now() + timedelta(days=2)).date().isoformat()
    later = client.get(f"/organiser/audit?since={tomorrow}", headers=EN).text
    assert 'data-entries="0"' in later
    assert client.get("/organiser/audit?since=not-a-date&who=x").status_code == 200
