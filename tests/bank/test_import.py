"""Import semantics: matching by id, versions, retiring, summaries, round trips."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from quiz.audit.models import AuditEntry
from quiz.bank import files
from quiz.bank.models import Question, QuestionVersion
from quiz.bank.schema import OptionData, QuestionData, TopicData
from quiz.bank.services import export_bank, import_bank, versions
from quiz.bank.yamlfile import read_yaml, write_yaml
from tests.conftest import ROOT


def topic(*questions, slug="law"):
    return TopicData(
        slug=slug, name={"vi": "Luật", "en": "Law", "fr": "Droit"}, questions=list(questions)
    )


def question(qid="law-001", text="Luật nào?", **extra):
    return QuestionData(
        id=qid,
        difficulty="easy",
        kind="single",
        points=1,
        text={"vi": text, "en": "Which law?", "fr": "Quelle loi ?"},
        options=[OptionData("a", {"vi": "A"}, True), OptionData("b", {"vi": "B"})],
        explanation={"vi": "Vì."},
        source="Law 24/2018/QH14",
        **extra,
    )


def test_new_ids_are_created_and_the_summary_says_so(db_session):
    summary = import_bank(db_session, [topic(question("law-001"), question("law-002"))])
    assert summary.created == ["law-001", "law-002"]
    assert summary.line() == "created 2, new versions 0, unchanged 0, retired 0"


def test_same_content_changes_nothing(db_session):
    import_bank(db_session, [topic(question())])
    summary = import_bank(db_session, [topic(question())])
    assert summary.unchanged == ["law-001"]
    assert db_session.scalar(select(func.count(QuestionVersion.id))) == 1


def test_changed_content_makes_a_new_version_and_keeps_the_old_one(db_session):
    import_bank(db_session, [topic(question(text="Luật nào?"))])
    q = db_session.scalar(select(Question).where(Question.key == "law-001"))
    first = q.current_version
    served_version_id = first.id  # what an attempt would have pinned
    summary = import_bank(db_session, [topic(question(text="Luật nào được thông qua năm 2018?"))])
    assert summary.new_versions == ["law-001"]
    db_session.expire_all()
    old = db_session.get(QuestionVersion, served_version_id)
    assert old.text["vi"] == "Luật nào?" and old.number == 1
    q = db_session.scalar(select(Question).where(Question.key == "law-001"))
    assert q.current_version.number == 2
    assert q.current_version.text["vi"] == "Luật nào được thông qua năm 2018?"
    assert [v.number for v in versions(db_session, q)] == [2, 1]


def test_missing_questions_stay_unless_retire_missing_is_asked(db_session):
    import_bank(db_session, [topic(question("law-001"), question("law-002"))])
    summary = import_bank(db_session, [topic(question("law-001"))])
    assert summary.retired == []
    summary = import_bank(db_session, [topic(question("law-001"))], retire_missing=True)
    assert summary.retired == ["law-002"]
    retired = db_session.scalar(select(Question).where(Question.key == "law-002"))
    assert retired.status == "retired"
    assert retired.current_version is not None  # history kept, nothing erased


def test_import_is_audit_logged(db_session):
    import_bank(db_session, [topic(question())])
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "bank.import"))
    assert entry.details["created"] == ["law-001"]


def test_yaml_export_then_import_changes_nothing(runner, tmp_path, db_session):
    assert runner.invoke(["bank", "import", str(ROOT / "question_bank")]).exit_code == 0
    result = runner.invoke(["bank", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(["bank", "import", str(tmp_path)])
    assert "created 0, new versions 0" in again.output and "retired 0" in again.output


def test_import_then_export_reproduces_the_files_content(db_session, tmp_path):
    original, _ = files.read_path(ROOT / "question_bank")
    import_bank(db_session, copy.deepcopy(original))
    exported = export_bank(db_session, include_retired=True)
    assert [t.slug for t in exported] == sorted(t.slug for t in original)
    by_slug = {t.slug: t for t in original}
    for t in exported:
        source = by_slug[t.slug]
        assert t.name == source.name
        assert [q.id for q in t.questions] == sorted(q.id for q in source.questions)
        expected = {q.id: (q.content(), q.status) for q in source.questions}
        assert {q.id: (q.content(), q.status) for q in t.questions} == expected
    # The written file reads back to the same data, in the same stable order.
    text = write_yaml(exported[0])
    back, problems = read_yaml(text, "x.yaml")
    assert problems == [] and [q.content() for q in back.questions] == [
        q.content() for q in exported[0].questions
    ]
    assert write_yaml(back) == text


def test_the_bundled_bank_meets_its_targets():
    topics, problems = files.read_path(ROOT / "question_bank")
    questions = [q for t in topics for q in t.questions if q.status == "active"]
    assert problems == []
    assert len(questions) >= 180
    assert len({t.slug for t in topics if any(q.status == "active" for q in t.questions)}) >= 9
    for level in ("easy", "medium", "hard"):
        assert sum(q.difficulty == level for q in questions) >= 0.25 * len(questions), level
    assert sum(q.kind == "multiple" for q in questions) >= 0.15 * len(questions)
    for q in questions:
        assert q.source, q.id
        assert all(q.explanation.get(loc) for loc in ("vi", "en", "fr")), q.id
