"""``quiz bank lint``: item-writing flaws that give keys away, per question and per bank."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import time_machine

from quiz.bank import files
from quiz.bank.lint import lint
from quiz.bank.yamlfile import read_yaml

ROOT = Path(__file__).resolve().parents[2]
HEADER = 'topic: t\nname: {vi: "Chủ đề", en: "Topic", fr: "Thème"}\nquestions:\n'


def option(oid: str, text: str, correct: bool = False, vi: str = "", fr: str = "") -> str:
    mark = ", correct: true" if correct else ""
    return (
        f'      - {{id: {oid}, text: {{vi: "{vi or text}", en: "{text}", fr: "{fr or text}"}}'
        f"{mark}}}\n"
    )


def question(qid: str, text: str, options: str, *, kind: str = "single", extra: str = "") -> str:
    return (
        f"  - id: {qid}\n    difficulty: medium\n    kind: {kind}\n"
        f'    text: {{vi: "{text}", en: "{text}", fr: "{text}"}}\n'
        f"    options:\n{options}"
        '    explanation: {vi: "Vì vậy.", en: "Because.", fr: "Parce que."}\n'
        '    source: "Convention, art. 1"\n'
        f"{extra}"
    )


def fair(qid: str, text: str) -> str:
    """A question with four options of about one length, the key among them."""
    return question(
        qid,
        text,
        option("a", "Kuala Lumpur")
        + option("b", "Hanoi city", correct=True)
        + option("c", "Jakarta")
        + option("d", "Bangkok"),
    )


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def findings_of(path: Path, today: date = date(2026, 12, 1)):
    topics, problems = files.read_path(path)
    assert problems == []
    found, figures = lint(topics, today=today, place=str(path))
    return {(f.question, f.rule): f for f in found}, figures


def test_each_flaw_of_a_question_is_found_with_its_place(tmp_path):
    body = (
        question(
            "longest",
            "Where was the Convention signed?",
            option("a", "Paris")
            + option("b", "In Hanoi, the capital of Viet Nam, in October", correct=True)
            + option("c", "Vienna")
            + option("d", "Geneva"),
        )
        + question(
            "above",
            "Which bodies are named?",
            option("a", "The Conference")
            + option("b", "The secretariat")
            + option("c", "All of the above", correct=True),
        )
        + question(
            "numbers",
            "When was it adopted?",
            option("a", "In 2024", correct=True, vi="Năm 2023")
            + option("b", "In 2022")
            + option("c", "In 2021"),
        )
        + question(
            "cue",
            "Who keeps the 24/7 network?",
            option("a", "Contact points of the police")
            + option("b", "Contact points of the courts")
            + option("c", "Contact points of banks")
            + option("d", "A designated national point", correct=True),
        )
        + question(
            "stale",
            "Is the law in force?",
            option("a", "True", correct=True) + option("b", "False"),
            kind="true_false",
            extra="    review_by: 2026-06-30\n",
        )
    )
    path = write(tmp_path, body)
    found, _ = findings_of(path)
    assert found["longest", "key-longest"].severity == "warning"
    assert found["above", "all-none-above"].severity == "error"
    numbers = found["numbers", "numbers-differ"]
    assert numbers.severity == "error" and "vi 2023; en 2024; fr 2024" in str(numbers.message)
    assert found["cue", "shared-opening"].severity == "warning"
    assert "“contact”" in str(found["cue", "shared-opening"].message)
    assert found["stale", "review-due"].severity == "warning"
    # The place: the file and the line where the question starts.
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[found["above", "all-none-above"].line - 1].strip().startswith("- {id: c")
    assert text[numbers.line - 1] == "  - id: numbers"
    assert str(numbers).startswith(f"{path}:{numbers.line}: error numbers-differ [numbers]")
    # What was not wrong is not reported.
    assert ("stale", "key-longest") not in found and ("longest", "numbers-differ") not in found


def test_numbers_written_each_languages_way_agree(tmp_path):
    body = question(
        "dates",
        "x",
        option(
            "a",
            "On 25 October 2025, 2,500 delegates",
            correct=True,
            vi="Ngày 25/10/2025, 2.500 đại biểu",
            fr="Le 25 octobre 2025, 2 500 délégués",
        )
        + option("b", "Three sessions", vi="3 phiên", fr="Trois sessions")
        + option("c", "On 1 July 2026", vi="Ngày 1/7/2026", fr="Le 1er juillet 2026"),
    )
    found, _ = findings_of(write(tmp_path, body))
    assert not [key for key in found if key[1] == "numbers-differ"]


def test_review_dates_are_judged_by_the_clock(tmp_path):
    path = write(
        tmp_path,
        question(
            "q",
            "x",
            option("a", "Yes", correct=True) + option("b", "No"),
            kind="true_false",
            extra="    review_by: 2027-06-30\n",
        ),
    )
    before, _ = findings_of(path, today=date(2027, 6, 30))
    after, _ = findings_of(path, today=date(2027, 7, 1))
    assert ("q", "review-due") not in before and ("q", "review-due") in after


def test_the_bank_level_shares_a_test_wise_student_would_learn(tmp_path):
    longest = "".join(
        question(
            f"long-{n}",
            f"Question number {n} about a different thing {n * 7}?",
            option("a", "Short")
            + option("b", "Shorter")
            + option("c", "The longest answer of all", correct=True),
        )
        for n in range(10)
    )
    counted = "".join(
        question(
            f"multi-{n}",
            f"Which of these statements on item {n * 11} hold?",
            option("a", "One", correct=True)
            + option("b", "Two", correct=True)
            + option("c", "Three")
            + option("d", "Four"),
            kind="multiple",
        )
        for n in range(10)
    )
    found, figures = findings_of(write(tmp_path, longest + counted))
    assert figures.single == 10 and figures.key_longest == {"vi": 10, "en": 10, "fr": 10}
    assert figures.patterns == {"2/4": 10}
    assert found["", "bank-key-longest"].severity == "error"
    assert "10 of 10 multiple-choice" in str(found["", "bank-correct-count"].message)


def test_near_duplicates_are_found_in_every_language_and_only_then(tmp_path):
    body = (
        fair("first", "In which city was the Convention against Cybercrime signed?")
        + fair("again", "In which city was the Convention against Cybercrime signed first?")
        + fair("other", "How many articles does chapter two hold, and what are they?")
    )
    found, figures = findings_of(write(tmp_path, body))
    assert [pair[:2] for pair in figures.duplicates] == [("first", "again")]
    assert "first" in str(found["again", "near-duplicate"].message)


def test_retired_questions_are_left_out_and_their_ids_kept(tmp_path):
    body = fair("kept", "In which city was it signed?") + fair(
        "old", "In which city was it signed?"
    ).replace("    difficulty:", "    status: retired\n    difficulty:", 1)
    found, figures = findings_of(write(tmp_path, body))
    assert figures.active == 1 and figures.retired == 1 and not found


def test_a_bad_review_date_or_status_is_an_error_with_its_line():
    text = HEADER + question(
        "q",
        "x",
        option("a", "Yes", correct=True) + option("b", "No"),
        kind="true_false",
        extra="    review_by: soon\n    status: gone\n",
    )
    _topic, problems = read_yaml(text, "t.yaml")
    messages = {str(p.message): p.line for p in problems}
    assert messages["review_by must be a date written YYYY-MM-DD"] == 13
    assert messages["status must be one of active, retired"] == 14


def test_the_command_prints_findings_and_fails_under_strict_on_errors(tmp_path, runner):
    path = write(
        tmp_path,
        question(
            "above",
            "x",
            option("a", "Yes") + option("b", "None of the above", correct=True),
        ),
    )
    loose = runner.invoke(["bank", "lint", str(path)])
    assert loose.exit_code == 0, loose.output
    assert f"{path}:10: error all-none-above [above]" in loose.output
    strict = runner.invoke(["bank", "lint", "--strict", str(path)])
    assert strict.exit_code == 1 and "1 error(s)" in strict.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("topic: [", encoding="utf-8")
    assert runner.invoke(["bank", "lint", str(broken)]).exit_code == 1


def test_the_bundled_bank_passes_strict_lint(runner):
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        result = runner.invoke(["bank", "lint", "--strict", str(ROOT / "question_bank")])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
