"""Moodle GIFT and Moodle XML: samples written from the formats' documentation, and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from quiz.bank import files
from quiz.bank.gift import read_gift, write_gift
from quiz.bank.moodlexml import read_moodle_xml, write_moodle_xml
from quiz.bank.services import export_bank, import_bank
from quiz.bank.validate import validate
from tests.conftest import ROOT

SAMPLES = Path(__file__).parent / "samples"


def by_id(topics):
    return {q.id: q for t in topics for q in t.questions}


def test_gift_sample_reads_every_supported_kind_and_escape():
    topics, problems = read_gift((SAMPLES / "moodle-sample.gift").read_text(), "sample.gift")
    assert problems == []
    assert [t.slug for t in topics] == ["cyber-safety-basics", "law"]
    q = by_id(topics)
    assert q["safety-001"].kind == "single"
    assert q["safety-001"].text["vi"].endswith("one-time code:")
    assert [o.correct for o in q["safety-001"].options] == [False, False, True]
    assert q["safety-001"].options[2].text["vi"] == "Never share it with anyone"
    assert q["safety-001"].explanation["vi"].startswith("One-time codes confirm")
    assert q["safety-002"].kind == "true_false"
    assert [o.correct for o in q["safety-002"].options] == [True, False]
    assert q["safety-003"].kind == "multiple"
    assert [o.correct for o in q["safety-003"].options] == [True, True, False, False]
    assert "prize!" in q["safety-003"].text["vi"]
    assert [o.text["vi"] for o in q["safety-004"].options] == ["~", "=", "#", "{ and }"]
    assert q["law-001"].text["vi"].startswith("Line one\nLine two:")
    assert q["law-001"].options[1].correct  # FALSE
    assert q["law-001"].explanation["vi"].startswith("It is a number")
    errors, _ = validate(topics)
    assert errors == []


def test_xml_sample_reads_supported_kinds_and_strips_html():
    topics, problems = read_moodle_xml((SAMPLES / "moodle-sample.xml").read_bytes(), "s.xml")
    assert problems == []
    q = by_id(topics)
    assert topics[0].slug == "online-safety"
    assert q["xml-001"].kind == "multiple" and q["xml-001"].points == 2
    assert q["xml-001"].text["vi"] == "Which two habits protect an account?"
    assert q["xml-001"].explanation["vi"] == "Use both & you are far safer."
    assert [o.correct for o in q["xml-001"].options] == [True, True, False]
    assert q["xml-001"].tags == ["accounts"]
    assert q["xml-002"].text["vi"] == "Is <script> a safe thing to paste? Pick one."
    assert q["xml-003"].kind == "true_false"
    assert validate(topics)[0] == []


def test_unsupported_moodle_types_are_named_with_their_line():
    xml = (
        b'<?xml version="1.0"?>\n<quiz>\n<question type="essay"><name><text>e1</text></name>'
        b"</question>\n</quiz>"
    )
    _, problems = read_moodle_xml(xml, "e.xml")
    assert problems and problems[0].line == 3 and "essay" in problems[0].message
    _, problems = read_gift("::n1::What is 2+2?{#4}\n", "n.gift")
    assert problems and "not supported" in problems[0].message


def test_broken_xml_names_its_line():
    _, problems = read_moodle_xml(b"<quiz>\n<question>\n</quiz>", "b.xml")
    assert problems[0].line >= 2 and "broken XML" in problems[0].message


def test_xml_entities_are_never_expanded():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<quiz><question type="truefalse"><name><text>t</text></name><questiontext>'
        b'<text>&x;</text></questiontext><answer fraction="100"><text>true</text>'
        b'</answer><answer fraction="0"><text>false</text></answer></question></quiz>'
    )
    topics, _ = read_moodle_xml(xml, "x.xml")
    assert "root:" not in str(topics)


@pytest.mark.parametrize(
    ("write", "read"), [(write_gift, read_gift), (write_moodle_xml, read_moodle_xml)]
)
def test_bundled_bank_survives_a_round_trip_through_moodle_formats(write, read):
    topics, problems = files.read_path(ROOT / "question_bank")
    assert problems == []
    for topic in topics:
        back, trouble = read(write(topic), "round-trip")
        assert trouble == []
        assert back[0].slug == topic.slug and back[0].name == topic.name
        assert [(q.digest(), q.status) for q in back[0].questions] == [
            (q.digest(), q.status) for q in topic.questions
        ]


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_exports_of_the_bundled_bank_reimport_to_the_same_questions(tmp_path, db_session, fmt):
    topics, _ = files.read_path(ROOT / "question_bank")
    import_bank(db_session, topics)
    files.write_dir(tmp_path, export_bank(db_session, include_retired=True), fmt)
    again, problems = files.read_path(tmp_path)
    assert problems == []
    summary = import_bank(db_session, again)
    assert summary.created == [] and summary.new_versions == [] and summary.retired == []
    assert len(summary.unchanged) == sum(len(t.questions) for t in topics)


def test_gift_and_xml_samples_import_through_the_command(runner, db_session):
    result = runner.invoke(["bank", "import", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert "created 8" in result.output
