"""Moodle XML: reading and writing the kinds we support (single, multiple, true/false).

From Moodle's format documentation: a ``<quiz>`` of ``<question type=...>``;
``category`` questions set the category path; ``multichoice`` questions have
``<single>``, ``<answer fraction=...>`` (percent), ``<defaultgrade>``,
``<generalfeedback>``; ``truefalse`` answers are ``true`` and ``false``. Texts
carry a ``format`` (html, plain_text, moodle_auto_format, markdown). Parsing
never resolves entities nor fetches anything (uploads are untrusted).
"""

from __future__ import annotations

import json
import math

from flask_babel import lazy_gettext as _l
from lxml import etree

from quiz.bank import meta, multilang
from quiz.bank.gift import OPTION_IDS, TOPIC_META, MoodleReader, slugify
from quiz.bank.schema import FALSE_TEXT, TRUE_TEXT, OptionData, Problem, QuestionData, TopicData

HTML_FORMATS = {"html", "moodle_auto_format"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
    )


def _text(element: etree._Element | None) -> tuple[str, bool]:
    """The ``<text>`` inside ``element`` and whether it is HTML."""
    if element is None:
        return "", False
    node = element.find("text")
    value = node.text if node is not None and node.text else ""
    return value, element.get("format", "html") in HTML_FORMATS


def _comments(element: etree._Element) -> list[str]:
    return [c.text or "" for c in element.iter(etree.Comment)]


class _XmlReader(MoodleReader):
    def read(self, root: etree._Element) -> None:
        if root.tag != "quiz":
            self.problem(root.sourceline or 1, _l("the root element must be <quiz>"))
            return
        for element in root.findall("question"):
            kind = element.get("type", "")
            if kind == "category":
                self.category(element)
            elif kind in {"multichoice", "truefalse"}:
                question = self.question(element, kind)
                if question is not None:
                    self.topic(element.sourceline or 0).questions.append(question)
            else:
                name, _ = _text(element.find("name"))
                self.problem(
                    element.sourceline or 0,
                    _l("question type %(kind)s is not supported", kind=repr(kind)),
                    name,
                )

    def category(self, element: etree._Element) -> None:
        path, _ = _text(element.find("category"))
        segment = path.rstrip("/").split("/")[-1]
        topic = TopicData(
            slugify(segment), {"vi": segment}, file=self.file, line=element.sourceline or 0
        )
        for comment in _comments(element):
            if comment.strip().startswith(TOPIC_META):
                try:
                    data = json.loads(comment.strip()[len(TOPIC_META) :])
                    topic.name = {k: str(v) for k, v in data["name"].items()}
                except (ValueError, KeyError, TypeError, AttributeError):
                    self.problem(topic.line, _l("unreadable quiz-topic comment"))
        self.topics.append(topic)

    def question(self, element: etree._Element, kind: str) -> QuestionData | None:
        line = element.sourceline or 0
        name, _ = _text(element.find("name"))
        idnumber = (element.findtext("idnumber") or "").strip()
        key = idnumber or name.strip()
        text, is_html = _text(element.find("questiontext"))
        feedback, feedback_html = _text(element.find("generalfeedback"))
        question = QuestionData(
            id=key,
            text=multilang.split(text, is_html=is_html),
            explanation=multilang.split(feedback, is_html=feedback_html) if feedback else {},
            file=self.file,
            line=line,
        )
        grade = (element.findtext("defaultgrade") or "1").strip()
        try:
            points = float(grade)
        except ValueError:
            points = 0.0
        if not math.isfinite(points) or points != int(points) or not 0 <= points <= 1000:
            self.problem(line, _l("defaultgrade %(grade)s is not a whole number", grade=grade), key)
            points = 0.0
        question.points = int(points)
        question.tags = [t.text.strip() for t in element.findall("tags/tag/text") if t.text]
        answers = element.findall("answer")
        if kind == "truefalse":
            truth = next(
                (_text(a)[0].strip().lower() == "true" for a in answers if _fraction(a) > 0),
                True,
            )
            question.kind = "true_false"
            question.options = [
                OptionData("a", dict(TRUE_TEXT), truth),
                OptionData("b", dict(FALSE_TEXT), not truth),
            ]
        else:
            single = (element.findtext("single") or "true").strip().lower() in {"true", "1"}
            question.kind = "single" if single else "multiple"
            for index, answer in enumerate(answers):
                value, answer_html = _text(answer)
                question.options.append(
                    OptionData(
                        OPTION_IDS[index] if index < len(OPTION_IDS) else f"o{index + 1}",
                        multilang.split(value, is_html=answer_html),
                        _fraction(answer) > 0,
                        answer.sourceline or 0,
                    )
                )
        found = [meta.load(c) for c in _comments(element)]
        meta.apply(question, next((d for d in found if d), None))
        if not key:
            self.problem(line, _l("a question needs a <name> or an <idnumber>"))
        return question


def _fraction(answer: etree._Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def read_moodle_xml(text: bytes | str, filename: str) -> tuple[list[TopicData], list[Problem]]:
    """Parse a Moodle XML file into topics (one per category) and problems."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno or 0
        return [], [Problem(filename, line, "", _l("broken XML: %(reason)s", reason=error.msg))]
    reader = _XmlReader(filename)
    reader.read(root)
    return [t for t in reader.topics if t.questions], reader.problems


def _text_element(parent: etree._Element, tag: str, texts: dict[str, str]) -> None:
    element = etree.SubElement(parent, tag, format="html")
    etree.SubElement(element, "text").text = etree.CDATA(multilang.join(texts))


def write_moodle_xml(topic: TopicData) -> str:
    """One topic as Moodle XML, with our metadata in comments Moodle ignores."""
    root = etree.Element("quiz")
    category = etree.SubElement(root, "question", type="category")
    etree.SubElement(
        etree.SubElement(category, "category"), "text"
    ).text = f"$course$/top/{topic.slug}"
    category.append(
        etree.Comment(" " + TOPIC_META + json.dumps({"name": topic.name}, ensure_ascii=False) + " ")
    )
    for q in topic.questions:
        kind = "truefalse" if q.kind == "true_false" else "multichoice"
        element = etree.SubElement(root, "question", type=kind)
        # "--" may not appear in an XML comment; inside JSON strings "\u002d" reads back as "-".
        element.append(etree.Comment(" " + meta.dump(q).replace("--", "-\\u002d") + " "))
        etree.SubElement(etree.SubElement(element, "name"), "text").text = q.id
        _text_element(element, "questiontext", q.text)
        _text_element(element, "generalfeedback", q.explanation)
        etree.SubElement(element, "defaultgrade").text = str(q.points)
        etree.SubElement(element, "idnumber").text = q.id
        if q.kind == "true_false":
            truth = next(o for o in q.options if o.correct).id == q.options[0].id
            for word, right in (("true", truth), ("false", not truth)):
                answer = etree.SubElement(
                    element, "answer", fraction="100" if right else "0", format="moodle_auto_format"
                )
                etree.SubElement(answer, "text").text = word
        else:
            etree.SubElement(element, "single").text = "true" if q.kind == "single" else "false"
            etree.SubElement(element, "shuffleanswers").text = "true"
            right = sum(1 for o in q.options if o.correct)
            for o in q.options:
                if q.kind == "single":
                    fraction = "100" if o.correct else "0"
                else:
                    fraction = f"{100 / right:.5f}".rstrip("0").rstrip(".") if o.correct else "-100"
                answer = etree.SubElement(element, "answer", fraction=fraction, format="html")
                etree.SubElement(answer, "text").text = etree.CDATA(multilang.join(o.text))
        if q.tags:
            tags = etree.SubElement(element, "tags")
            for tag in q.tags:
                etree.SubElement(etree.SubElement(tags, "tag"), "text").text = tag
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode(
        "utf-8"
    )
