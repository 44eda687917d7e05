"""Bank files in YAML (spec/question-bank.md): reading with line numbers, writing.

Reading is strict: unknown keys and wrong types are errors that name the file,
the line and the question, so that a typo never passes silently.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from quiz.bank.schema import LOCALES, OptionData, Problem, QuestionData, TopicData

TOPIC_KEYS = {"topic", "name", "questions"}
QUESTION_KEYS = {
    "id",
    "difficulty",
    "kind",
    "points",
    "text",
    "options",
    "explanation",
    "source",
    "tags",
    "review_by",
    "status",
}
STATUSES = ("active", "retired")
OPTION_KEYS = {"id", "text", "correct"}


class _Reader:
    """Collects problems while turning one YAML document into a :class:`TopicData`."""

    def __init__(self, filename: str) -> None:
        self.file = filename
        self.problems: list[Problem] = []

    def problem(self, line: int, message: Any, question: str = "") -> None:
        self.problems.append(Problem(self.file, line, question, message))

    def line_of(self, node: Any, key: Any = None) -> int:
        try:
            if key is not None and isinstance(node, CommentedMap):
                return int(node.lc.key(key)[0]) + 1
            return int(node.lc.line) + 1
        except (AttributeError, KeyError, TypeError):
            return 0

    def unknown_keys(self, node: CommentedMap, allowed: set[str], question: str = "") -> None:
        for key in node:
            if key not in allowed:
                self.problem(
                    self.line_of(node, key), _l("unknown key %(key)s", key=repr(key)), question
                )

    def texts(self, node: Any, line: int, label: str, question: str = "") -> dict[str, str]:
        """A per-locale text mapping ({vi: ..., en: ..., fr: ...})."""
        if node is None:
            return {}
        if not isinstance(node, CommentedMap):
            self.problem(
                line, _l("%(part)s must map locales (vi, en, fr) to texts", part=label), question
            )
            return {}
        texts: dict[str, str] = {}
        for locale, value in node.items():
            if locale not in LOCALES:
                self.problem(
                    self.line_of(node, locale),
                    _l("unknown locale %(locale)s in %(part)s", locale=repr(locale), part=label),
                    question,
                )
            elif not isinstance(value, str):
                self.problem(
                    self.line_of(node, locale),
                    _l("%(part)s.%(locale)s must be text", part=label, locale=locale),
                    question,
                )
            else:
                texts[locale] = value
        return texts

    def topic(self, data: Any) -> TopicData | None:
        if not isinstance(data, CommentedMap):
            self.problem(1, _l("a bank file is a mapping with topic, name and questions"))
            return None
        self.unknown_keys(data, TOPIC_KEYS)
        slug = data.get("topic")
        topic = TopicData(
            slug=slug if isinstance(slug, str) else "",
            name=self.texts(data.get("name"), self.line_of(data, "name"), "name"),
            file=self.file,
            line=self.line_of(data, "topic") or 1,
        )
        if not isinstance(slug, str):
            self.problem(topic.line, _l("topic must be a slug (a-z, 0-9, -)"))
        questions = data.get("questions")
        if not isinstance(questions, CommentedSeq):
            self.problem(self.line_of(data, "questions") or 1, _l("questions must be a list"))
            return topic
        for index, node in enumerate(questions):
            question = self.question(node, questions.lc.item(index)[0] + 1)
            if question is not None:
                topic.questions.append(question)
        return topic

    def question(self, node: Any, line: int) -> QuestionData | None:
        if not isinstance(node, CommentedMap):
            self.problem(line, _l("each question must be a mapping"))
            return None
        qid = node.get("id")
        label = str(qid) if qid is not None else ""
        self.unknown_keys(node, QUESTION_KEYS, label)
        if not isinstance(qid, str | int) or isinstance(qid, bool):
            self.problem(line, _l("question has no id"), label)
        for key in ("difficulty", "kind", "source"):
            if key in node and not isinstance(node[key], str):
                self.problem(self.line_of(node, key), _l("%(part)s must be text", part=key), label)
        tags = node.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problem(self.line_of(node, "tags"), _l("tags must be a list of words"), label)
            tags = []
        points = node.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, int):
            self.problem(
                self.line_of(node, "points"),
                _l("points must be a whole number of at least 1"),
                label,
            )
            points = 0
        review_by = node.get("review_by")
        if review_by is not None and (
            not isinstance(review_by, date) or isinstance(review_by, datetime)
        ):
            self.problem(
                self.line_of(node, "review_by"),
                _l("review_by must be a date written YYYY-MM-DD"),
                label,
            )
            review_by = None
        status = node.get("status", "active")
        if status not in STATUSES:
            self.problem(
                self.line_of(node, "status"),
                _l("status must be one of %(values)s", values=", ".join(STATUSES)),
                label,
            )
            status = "active"
        question = QuestionData(
            id=str(qid) if qid is not None else "",
            difficulty=str(node.get("difficulty", "")),
            kind=str(node.get("kind", "")),
            points=points,
            text=self.texts(node.get("text"), self.line_of(node, "text"), "text", label),
            explanation=self.texts(
                node.get("explanation"), self.line_of(node, "explanation"), "explanation", label
            ),
            source=str(node.get("source") or ""),
            tags=list(tags),
            review_by=review_by,
            status=status,
            file=self.file,
            line=line,
        )
        options = node.get("options")
        if not isinstance(options, CommentedSeq):
            self.problem(self.line_of(node, "options") or line, _l("options must be a list"), label)
            return question
        for index, option in enumerate(options):
            parsed = self.option(option, options.lc.item(index)[0] + 1, label)
            if parsed is not None:
                question.options.append(parsed)
        return question

    def option(self, node: Any, line: int, question: str) -> OptionData | None:
        if not isinstance(node, CommentedMap):
            self.problem(line, _l("each option must be a mapping with id and text"), question)
            return None
        self.unknown_keys(node, OPTION_KEYS, question)
        correct = node.get("correct", False)
        if not isinstance(correct, bool):
            self.problem(
                self.line_of(node, "correct"), _l("correct must be true or false"), question
            )
            correct = False
        return OptionData(
            id=str(node.get("id", "")),
            text=self.texts(node.get("text"), self.line_of(node, "text"), "option text", question),
            correct=correct,
            line=line,
        )


def read_yaml(text: str, filename: str) -> tuple[TopicData | None, list[Problem]]:
    """Parse one bank file; return the topic (if readable) and every problem found."""
    reader = _Reader(filename)
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = (error.problem or "invalid YAML").strip()
        return None, [Problem(filename, line, "", _l("broken YAML: %(reason)s", reason=reason))]
    except YAMLError as error:
        return None, [Problem(filename, 0, "", _l("broken YAML: %(reason)s", reason=str(error)))]
    return reader.topic(data), reader.problems


def _block(texts: dict[str, str]) -> CommentedMap:
    return CommentedMap((loc, Quoted(texts[loc])) for loc in LOCALES if texts.get(loc))


def _flow(texts: dict[str, str]) -> CommentedMap:
    node = _block(texts)
    node.fa.set_flow_style()
    return node


def write_yaml(topic: TopicData) -> str:
    """One topic as a bank file, in the layout of spec/question-bank.md."""
    questions = CommentedSeq()
    for q in topic.questions:
        node = CommentedMap()
        node["id"] = q.id
        if q.status != "active":
            node["status"] = q.status
        node["difficulty"] = q.difficulty
        node["kind"] = q.kind
        node["points"] = q.points
        node["text"] = _block(q.text)
        options = CommentedSeq()
        for o in q.options:
            option = CommentedMap([("id", o.id), ("text", _flow(o.text))])
            if o.correct:
                option["correct"] = True
            options.append(option)
        node["options"] = options
        if q.explanation:
            node["explanation"] = _block(q.explanation)
        if q.source:
            node["source"] = Quoted(q.source)
        if q.tags:
            tags = CommentedSeq(q.tags)
            tags.fa.set_flow_style()
            node["tags"] = tags
        if q.review_by is not None:
            node["review_by"] = q.review_by
        questions.append(node)
    document = CommentedMap(
        [("topic", topic.slug), ("name", _block(topic.name)), ("questions", questions)]
    )
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()
