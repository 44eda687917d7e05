"""Organisers author the bank in the browser; nobody else may."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from quiz.audit.models import AuditEntry
from quiz.bank.models import Question, QuestionVersion
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import import_bank

PAGES = [
    "/organiser/bank/",
    "/organiser/bank/new",
    "/organiser/bank/upload",
    "/organiser/bank/q-001",
    "/organiser/bank/q-001/edit",
    "/organiser/bank/q-001/preview",
]
POSTS = [
    "/organiser/bank/new",
    "/organiser/bank/upload",
    "/organiser/bank/q-001/edit",
    "/organiser/bank/q-001/retire",
    "/organiser/bank/q-001/restore",
]


@pytest.fixture
def bank(db_session):
    def make(text="Câu hỏi thử?", qid="q-001", kind="single"):
        question = QuestionData(
            id=qid,
            difficulty="easy",
            kind=kind,
            points=1,
            text={"vi": text, "en": "Test question?"},
            options=[
                OptionData("a", {"vi": "Đúng", "en": "Yes"}, True),
                OptionData("b", {"vi": "Sai", "en": "No"}),
            ],
            explanation={"vi": "Giải thích."},
            source="Convention, art. 64",
        )
        import_bank(db_session, [TopicData("basics", {"vi": "Cơ bản"}, [question])])
        return db_session.scalar(select(Question).where(Question.key == qid))

    return make


def form_data(**overrides):
    data = {
        "key": "q-new",
        "topic": "basics",
        "kind": "single",
        "difficulty": "medium",
        "points": "1",
        "text_vi": "Công ước được mở ký ở đâu?",
        "text_en": "Where?",
        "text_fr": "Où ?",
        "explanation_vi": "Tại Hà Nội.",
        "source": "Convention, art. 64",
        "tags": "signature, hanoi",
        "options-0-id": "a",
        "options-0-text_vi": "Hà Nội",
        "options-0-correct": "y",
        "options-1-id": "b",
        "options-1-text_vi": "Genève",
        "save": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, bank, path):
    bank()
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_students_and_coordinators_get_403(student_client, coordinator_client, bank, path):
    bank()
    assert student_client.get(path).status_code == 403
    assert coordinator_client.get(path).status_code == 403


@pytest.mark.parametrize("path", POSTS)
def test_nobody_but_organisers_may_post(
    client, student_client, coordinator_client, bank, db_session, path
):
    bank()
    before = db_session.scalar(select(func.count(QuestionVersion.id)))
    assert client.post(path, data=form_data()).status_code == 302
    assert student_client.post(path, data=form_data()).status_code == 403
    assert coordinator_client.post(path, data=form_data()).status_code == 403
    assert db_session.scalar(select(func.count(QuestionVersion.id))) == before


def test_organiser_creates_a_question_and_it_is_audited(
    organiser_client, organiser, bank, db_session
):
    bank()
    response = organiser_client.post("/organiser/bank/new", data=form_data())
    assert response.status_code == 302
    question = db_session.scalar(select(Question).where(Question.key == "q-new"))
    assert question.current_version.number == 1
    assert question.current_version.tags == ["signature", "hanoi"]
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.target == "question:q-new"))
    assert entry.actor_id == organiser.id and entry.action == "bank.question.create"


def test_a_rule_broken_in_the_form_saves_nothing_and_says_why(organiser_client, bank, db_session):
    bank()
    response = organiser_client.post(
        "/organiser/bank/new",
        data=form_data(**{"options-1-correct": "y"}),
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert "exactement une bonne réponse, pas 2" in response.text
    assert db_session.scalar(select(Question).where(Question.key == "q-new")) is None


def test_add_and_remove_option_buttons_change_the_form_without_saving(
    organiser_client, bank, db_session
):
    bank()
    data = form_data(save=None, add_option="1")
    response = organiser_client.post("/organiser/bank/new", data=data)
    assert 'name="options-2-id"' in response.text
    data = form_data(save=None, remove_option="1")
    response = organiser_client.post("/organiser/bank/new", data=data)
    assert "Genève" not in response.text
    assert db_session.scalar(select(Question).where(Question.key == "q-new")) is None


def test_editing_makes_a_new_version_and_history_says_what_changed(
    organiser_client, bank, db_session
):
    question = bank()
    first_id = question.current_version_id
    page = organiser_client.get("/organiser/bank/q-001/edit")
    assert "Câu hỏi thử?" in page.text
    response = organiser_client.post(
        "/organiser/bank/q-001/edit",
        data=form_data(
            key="q-001",
            text_vi="Câu hỏi đã sửa?",
            text_en="Test question?",
            text_fr=None,
            **{
                "options-0-text_vi": "Đúng",
                "options-0-text_en": "Yes",
                "options-1-text_vi": "Sai",
                "options-1-text_en": "No",
            },
        ),
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(QuestionVersion, first_id).text["vi"] == "Câu hỏi thử?"
    detail = organiser_client.get("/organiser/bank/q-001").text
    assert "Câu hỏi đã sửa?" in detail and "text.vi" in detail


def test_retire_and_restore(organiser_client, bank, db_session):
    bank()
    organiser_client.post("/organiser/bank/q-001/retire")
    question = db_session.scalar(select(Question).where(Question.key == "q-001"))
    db_session.refresh(question)
    assert question.status == "retired"
    organiser_client.post("/organiser/bank/q-001/restore")
    db_session.refresh(question)
    assert question.status == "active"


def test_filters_and_search(organiser_client, bank):
    bank("Câu hỏi về Hà Nội?", "q-001")
    bank("Câu hỏi về luật?", "q-002", kind="true_false")
    assert "q-002" not in organiser_client.get("/organiser/bank/?q=ha+noi").text
    assert "q-001" not in organiser_client.get("/organiser/bank/?kind=true_false").text
    assert "q-001" in organiser_client.get("/organiser/bank/?missing=fr").text
    assert "q-001" not in organiser_client.get("/organiser/bank/?status=retired").text


def test_preview_shows_every_language_without_the_answer(organiser_client, bank):
    bank()
    page = organiser_client.get("/organiser/bank/q-001/preview").text
    previews = page.split('class="previews"')[1]
    assert "Câu hỏi thử?" in previews and "Test question?" in previews
    assert "✓" not in page and "Giải thích" not in page and "correct" not in previews.lower()


def upload(client, name, text, **extra):
    data = {"bank_file": (io.BytesIO(text.encode("utf-8")), name), **extra}
    return client.post("/organiser/bank/upload", data=data, content_type="multipart/form-data")


def test_upload_imports_a_gift_file(organiser_client, db_session):
    response = upload(
        organiser_client,
        "bank.gift",
        "$CATEGORY: $course$/top/safety\n\n::up-1::Updates fix holes.{T}\n",
    )
    assert response.status_code == 302
    assert db_session.scalar(select(Question).where(Question.key == "up-1")) is not None


def test_upload_with_a_fault_imports_nothing_and_shows_file_line_question(
    organiser_client, db_session
):
    text = (
        "topic: t\nname: {vi: T}\nquestions:\n  - id: up-2\n    difficulty: easy\n"
        "    kind: single\n    corect: true\n    text: {vi: Hỏi}\n    options:\n"
        "      - {id: a, text: {vi: A}, correct: true}\n      - {id: b, text: {vi: B}}\n"
    )
    response = upload(organiser_client, "bad.yaml", text)
    assert response.status_code == 422
    assert "bad.yaml:7: [up-2] khóa không hợp lệ &#39;corect&#39;" in response.text
    assert db_session.scalar(select(Question).where(Question.key == "up-2")) is None


SCRIPT = "<script>alert('x')</script>"


def test_question_text_with_a_script_tag_is_shown_as_text_everywhere(organiser_client, bank):
    bank(f"Hỏi {SCRIPT}?")
    for path in (
        "/organiser/bank/",
        "/organiser/bank/q-001",
        "/organiser/bank/q-001/edit",
        "/organiser/bank/q-001/preview",
    ):
        page = organiser_client.get(path).text
        assert SCRIPT not in page, path
        assert "&lt;script&gt;" in page, path


def test_the_bank_page_warns_while_the_public_bundled_questions_are_active(
    organiser_client, db_session, runner
):
    clean = organiser_client.get("/organiser/bank/", headers={"Accept-Language": "en"}).text
    assert "bundled bank, which is public" not in clean
    assert runner.invoke(["bank", "import", "question_bank"]).exit_code == 0
    page = organiser_client.get("/organiser/bank/", headers={"Accept-Language": "en"}).text
    assert "active questions come from the bundled bank, which is public" in page
