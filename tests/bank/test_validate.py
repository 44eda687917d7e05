"""The validator: every fault names the file, the line and the question, and imports nothing."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import func, select

from quiz.bank.gift import read_gift
from quiz.bank.models import Question

GOOD = """\
topic: {topic}
name:
  vi: "Chủ đề"
  en: "Topic"
  fr: "Sujet"
questions:
  - id: {qid}
    difficulty: easy
    kind: single
    points: 1
    text:
      vi: "Câu hỏi?"
      en: "Question?"
      fr: "Question ?"
    options:
      - id: a
        text: {{vi: "Có", en: "Yes", fr: "Oui"}}
        correct: true
      - id: b
        text: {{vi: "Không", en: "No", fr: "Non"}}
    explanation: {{vi: "Vì.", en: "Because.", fr: "Parce que."}}
    source: "Convention, art. 1"
"""


def bank_dir(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return str(tmp_path)


def question_count(db_session):
    return db_session.scalar(select(func.count(Question.id)))


def good(topic="t-one", qid="q-001"):
    return GOOD.format(topic=topic, qid=qid)


FAULTS = {
    "duplicate id across files": (
        {"a.yaml": good("t-one", "q-001"), "b.yaml": good("t-two", "q-001")},
        "b.yaml:7",
        "q-001",
        "duplicate question id",
    ),
    "single with two correct options": (
        {
            "a.yaml": good().replace(
                '{vi: "Không", en: "No", fr: "Non"}',
                '{vi: "Không", en: "No", fr: "Non"}\n        correct: true',
            )
        },
        "a.yaml:7",
        "q-001",
        "exactly one correct option, not 2",
    ),
    "true_false with three options": (
        {
            "a.yaml": good()
            .replace("kind: single", "kind: true_false")
            .replace(
                "      - id: b\n", '      - id: c\n        text: {vi: "Có lẽ"}\n      - id: b\n'
            )
        },
        "a.yaml:7",
        "q-001",
        "exactly 2 options, not 3",
    ),
    "unknown key corect": (
        {"a.yaml": good().replace("        correct: true", "        corect: true")},
        "a.yaml:18",
        "q-001",
        "unknown key 'corect'",
    ),
    "missing Vietnamese text": (
        {"a.yaml": good().replace('      vi: "Câu hỏi?"\n', "")},
        "a.yaml:7",
        "q-001",
        "Vietnamese (vi)",
    ),
    "points 0": (
        {"a.yaml": good().replace("points: 1", "points: 0")},
        "a.yaml:7",
        "q-001",
        "points must be a whole number of at least 1",
    ),
    "broken YAML": (
        {"a.yaml": good().replace('fr: "Question ?"', 'fr: "Question ?\n   bad: [')},
        "a.yaml:",
        "",
        "broken YAML",
    ),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_each_fault_imports_nothing_and_names_file_line_and_question(
    runner, tmp_path, db_session, fault
):
    files, where, qid, message = FAULTS[fault]
    before = question_count(db_session)
    result = runner.invoke(["bank", "import", bank_dir(tmp_path, files)])
    assert result.exit_code == 1
    assert message in result.output
    assert where in result.output
    if qid:
        assert f"[{qid}]" in result.output
    assert "nothing was imported" in result.output
    assert question_count(db_session) == before


def test_one_bad_question_among_good_ones_imports_nothing(runner, tmp_path, db_session):
    before = question_count(db_session)
    files = {
        "a.yaml": good("t-one", "q-001"),
        "b.yaml": good("t-two", "q-002").replace("points: 1", "points: 0"),
    }
    assert runner.invoke(["bank", "import", bank_dir(tmp_path, files)]).exit_code == 1
    assert question_count(db_session) == before


def test_strict_reports_missing_translations(runner, tmp_path):
    path = bank_dir(tmp_path, {"a.yaml": good().replace('      fr: "Question ?"\n', "")})
    assert runner.invoke(["bank", "validate", path]).exit_code == 0
    strict = runner.invoke(["bank", "validate", path, "--strict"])
    assert strict.exit_code == 1
    assert "text has no fr translation" in strict.output


def test_the_bundled_bank_validates_strictly(runner):
    from tests.conftest import ROOT

    result = runner.invoke(["bank", "validate", str(ROOT / "question_bank"), "--strict"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_strict_warns_when_one_letter_is_usually_right(runner, tmp_path):
    questions = "".join(
        GOOD.format(topic="t-one", qid=f"q-{n:03d}").split("questions:\n")[1] for n in range(25)
    )
    header = GOOD.format(topic="t-one", qid="x").split("questions:\n")[0]
    path = bank_dir(tmp_path, {"a.yaml": header + "questions:\n" + questions})
    strict = runner.invoke(["bank", "validate", path, "--strict"])
    assert strict.exit_code == 1
    assert "the correct option is a in 25 of 25" in strict.output


def test_moodle_files_without_our_comments_get_randomly_lettered_options():
    text = "\n\n".join(f"::m-{n}::Q{n}?{{=right ~w1 ~w2 ~w3}}" for n in range(40))
    topics, problems = read_gift(text, "m.gift")
    assert problems == []
    right = {next(o.id for o in q.options if o.correct) for q in topics[0].questions}
    assert len(right) >= 3
