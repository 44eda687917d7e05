"""Papers drawn ahead: what a start uses, what it never is, when it is drawn again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from quiz.attempts import papers
from quiz.attempts.models import Attempt, AttemptItem, Paper, PaperItem
from quiz.bank.models import QuestionVersion, Status
from quiz.bank.services import set_status
from quiz.clock import now
from quiz.rounds.services import (
    BlueprintLine,
    blueprint_pool,
    draw_questions,
    round_data_of,
    update_round,
)
from tests.conftest import log_in


def prepare(runner, round_=None):
    args = ["papers", "prepare"] + (["--round", str(round_.id)] if round_ else [])
    result = runner.invoke(args)
    assert result.exit_code == 0, result.output
    return result.output


def upcoming_round(make_round, **fields):
    moment = now()
    return make_round(
        opens_at=moment + timedelta(minutes=30), closes_at=moment + timedelta(hours=2), **fields
    )


def paper_of(db_session, round_, student):
    return db_session.scalar(
        select(Paper).where(Paper.round_id == round_.id, Paper.student_id == student.id)
    )


def items_of(db_session, paper):
    return db_session.execute(
        select(PaperItem.question_version_id, PaperItem.option_order)
        .where(PaperItem.paper_id == paper.id)
        .order_by(PaperItem.position)
    ).all()


def test_every_student_who_may_start_gets_one_paper_before_the_round_opens(
    runner, db_session, make_round, make_user
):
    students = [make_user() for _ in range(3)]
    make_user(active=False)
    round_ = upcoming_round(make_round)
    assert "3 paper(s) drawn" in prepare(runner)
    for student in students:
        paper = paper_of(db_session, round_, student)
        assert paper.revision == round_.paper_revision
        assert len(items_of(db_session, paper)) == round_.question_count
    # Running it again (every minute) draws nothing new.
    assert "0 paper(s) drawn" in prepare(runner)


def test_the_start_turns_the_paper_into_the_attempt_with_the_same_seeded_draw(
    app, runner, db_session, make_round, student
):
    round_ = make_round()
    prepare(runner, round_)
    paper = paper_of(db_session, round_, student)
    drawn = items_of(db_session, paper)
    seed = paper.seed
    attempt = log_in(app, student).post(f"/api/v1/rounds/{round_.id}/attempts").json
    stored = db_session.get(Attempt, attempt["id"])
    assert stored.seed == seed and stored.number == 1
    items = db_session.execute(
        select(AttemptItem.question_version_id, AttemptItem.option_order)
        .where(AttemptItem.attempt_id == stored.id)
        .order_by(AttemptItem.position)
    ).all()
    assert items == drawn
    # Reproducible from the seed, exactly as a draw at the start would be.
    again = draw_questions(db_session, blueprint_pool(db_session, round_), seed)
    assert [(q.version.id, q.option_order) for q in again] == [tuple(i) for i in items]
    db_session.refresh(paper)
    assert paper.used_at is not None  # marked at the instant, removed by the next preparation


def test_a_paper_is_not_an_attempt(app, runner, db_session, make_round, student, organiser):
    round_ = make_round(max_attempts=1)
    prepare(runner, round_)
    assert db_session.scalar(select(func.count(Attempt.id))) == 0
    client = log_in(app, student)
    page = client.get(f"/rounds/{round_.id}", headers={"Accept-Language": "en"}).text
    assert "Start now" in page and "Continue my attempt" not in page
    assert "In progress" not in client.get("/rounds", headers={"Accept-Language": "en"}).text
    # Its questions show nowhere, and the one attempt allowed is still there to use.
    paper = paper_of(db_session, round_, student)
    assert client.get(f"/api/v1/attempts/{paper.id}").status_code == 404
    assert client.post(f"/api/v1/rounds/{round_.id}/attempts").status_code == 201
    board = log_in(app, organiser).get(f"/api/v1/rounds/{round_.id}/leaderboard").json
    assert board["total"] == 0


def test_editing_the_round_before_it_opens_gets_papers_drawn_again(
    runner, db_session, make_round, make_bank, student, organiser
):
    make_bank(topic="extra", easy=6)
    round_ = upcoming_round(make_round)
    prepare(runner, round_)
    old_revision = paper_of(db_session, round_, student).revision
    data = round_data_of(round_)
    data.blueprint = [BlueprintLine(3, "extra", None)]
    update_round(db_session, round_, data, actor_id=organiser.id)
    assert round_.paper_revision == old_revision + 1
    output = prepare(runner, round_)
    assert "1 paper(s) drawn, 1 stale removed" in output
    fresh = paper_of(db_session, round_, student)
    assert fresh.revision == round_.paper_revision
    keys = {db_session.get(QuestionVersion, v).question.key for v, _ in items_of(db_session, fresh)}
    assert len(keys) == 3 and all(key.startswith("extra-") for key in keys)


def test_a_stale_paper_is_never_used_by_a_start(app, runner, db_session, make_round, student):
    round_ = make_round()
    prepare(runner, round_)
    paper = paper_of(db_session, round_, student)
    stale_seed = paper.seed
    version_id = items_of(db_session, paper)[0][0]
    key = db_session.get(QuestionVersion, version_id).question.key
    # Retiring a question changes what may be drawn: the papers are stale now.
    set_status(db_session, key, Status.RETIRED, actor_id=None)
    db_session.refresh(round_)
    attempt = log_in(app, student).post(f"/api/v1/rounds/{round_.id}/attempts").json
    assert db_session.get(Attempt, attempt["id"]).seed != stale_seed
    assert key not in {item["question_id"] for item in attempt["items"]}


def test_a_student_who_registers_after_the_papers_were_drawn_starts_normally(
    app, runner, db_session, make_round, make_user
):
    round_ = make_round()
    prepare(runner, round_)
    late = make_user()
    response = log_in(app, late).post(f"/api/v1/rounds/{round_.id}/attempts")
    assert response.status_code == 201
    assert len(response.json["items"]) == round_.question_count


def test_papers_are_drawn_uniformly_over_the_matching_questions(
    runner, db_session, make_round, make_bank, make_user
):
    make_bank(topic="spread", easy=10)
    round_ = upcoming_round(make_round, blueprint=[BlueprintLine(3, "spread", "easy")])
    for _ in range(200):
        make_user()
    prepare(runner, round_)
    seen = Counter(
        db_session.scalars(
            select(PaperItem.question_version_id)
            .join(Paper, Paper.id == PaperItem.paper_id)
            .where(Paper.round_id == round_.id)
        )
    )
    assert len(seen) == 10
    # 60 expected each (200 papers x 3 of 10); a fair draw stays well within +-50 %.
    assert all(30 < n < 90 for n in seen.values()), seen


def test_papers_of_a_closed_round_are_removed(runner, db_session, make_round, student):
    round_ = make_round()
    prepare(runner, round_)
    round_.closes_at = now() - timedelta(seconds=1)
    round_.opens_at = now() - timedelta(hours=1)
    db_session.flush()
    assert "1 stale removed" in prepare(runner, round_)
    assert papers.ready(db_session, round_)[0] == 0


def test_a_new_title_keeps_the_papers(runner, db_session, make_round, student, organiser):
    round_ = upcoming_round(make_round)
    prepare(runner, round_)
    revision = round_.paper_revision
    data = round_data_of(round_)
    data.title = {"vi": "Vòng một (sửa tên)"}
    update_round(db_session, round_, data, actor_id=organiser.id)
    assert round_.paper_revision == revision
    assert paper_of(db_session, round_, student).revision == round_.paper_revision
