"""Moodle GIFT: reading and writing the kinds we support (single, multiple, true/false).

GIFT basics, from Moodle's format documentation: questions are separated by
blank lines; ``//`` starts a comment line; ``$CATEGORY:`` sets the category;
``::name::`` names a question; ``[html]`` sets the text format; answers sit in
braces with ``=`` for right, ``~`` for wrong, ``~%50%`` for a weighted answer,
``#`` for feedback and ``####`` for general feedback; ``{T}``/``{F}`` is
true/false; ``~ = # { } :`` and ``\\`` are escaped with a backslash and ``\\n``
is a line break. Texts are written as HTML with multilang spans (vi, en, fr).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from quiz.bank import meta, multilang
from quiz.bank.schema import (
    FALSE_TEXT,
    TRUE_TEXT,
    OptionData,
    Problem,
    QuestionData,
    TopicData,
)
from quiz.text import fold

SPECIAL = "\\~=#{}:"
TOPIC_META = "quiz-topic:"
TRUE_WORDS = {"T", "TRUE"}
FALSE_WORDS = {"F", "FALSE"}
OPTION_IDS = "abcdefgh"


def escape(text: str) -> str:
    out = "".join("\\" + c if c in SPECIAL else c for c in text)
    return out.replace("\n", "\\n")


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_unescaped(text: str, separators: str) -> list[tuple[str, str]]:
    """Split on unescaped ``separators``; each part comes with the separator before it."""
    parts: list[tuple[str, str]] = []
    current, lead, i = [], "", 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if c in separators:
            parts.append((lead, "".join(current)))
            current, lead = [], c
        else:
            current.append(c)
        i += 1
    parts.append((lead, "".join(current)))
    return parts


def find_unescaped(text: str, char: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


@dataclass
class _Block:
    line: int
    lines: list[str] = field(default_factory=list)
    meta: dict | None = None


class MoodleReader:
    """What both Moodle readers share: the problems found and the topics read so far."""

    def __init__(self, filename: str) -> None:
        self.file = filename
        self.problems: list[Problem] = []
        self.topics: list[TopicData] = []

    def problem(self, line: int, message: Any, question: str = "") -> None:
        self.problems.append(Problem(self.file, line, question, message))

    def topic(self, line: int) -> TopicData:
        """The current category; questions before any category go to "imported"."""
        if not self.topics:
            self.topics.append(
                TopicData(slug="imported", name={"vi": "imported"}, file=self.file, line=line)
            )
        return self.topics[-1]


class _GiftReader(MoodleReader):
    def read(self, text: str) -> None:
        block: _Block | None = None
        pending_meta: dict | None = None
        for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
            line = raw.strip()
            if not line:
                block = self.flush(block)
                continue
            if line.startswith("//"):
                comment = line[2:].strip()
                if comment.startswith(TOPIC_META):
                    self.topic_meta(comment[len(TOPIC_META) :], number)
                elif meta.load(comment) is not None:
                    pending_meta = meta.load(comment)
                continue
            if line.startswith("$CATEGORY:") and block is None:
                path = line[len("$CATEGORY:") :].strip().rstrip("/")
                slug = slugify(path.split("/")[-1])
                self.topics.append(
                    TopicData(
                        slug=slug, name={"vi": path.split("/")[-1]}, file=self.file, line=number
                    )
                )
                continue
            if block is None:
                block = _Block(line=number, meta=pending_meta)
                pending_meta = None
            block.lines.append(raw)
        self.flush(block)

    def topic_meta(self, payload: str, line: int) -> None:
        try:
            data = json.loads(payload)
        except ValueError:
            self.problem(line, _l("unreadable quiz-topic comment"))
            return
        if isinstance(data, dict) and isinstance(data.get("name"), dict):
            self.topic(line).name = {k: str(v) for k, v in data["name"].items()}

    def flush(self, block: _Block | None) -> None:
        if block is not None:
            question = self.question(block)
            if question is not None:
                self.topic(block.line).questions.append(question)
        return None

    def question(self, block: _Block) -> QuestionData | None:
        source = "\n".join(block.lines).strip()
        name = ""
        if source.startswith("::"):
            end = source.find("::", 2)
            if end == -1:
                self.problem(block.line, _l("question name is not closed with ::"))
                return None
            name, source = unescape(source[2:end]).strip(), source[end + 2 :].strip()
        is_html = False
        match = re.match(r"^\[(html|plain|moodle|markdown)\]", source)
        if match:
            is_html = match.group(1) in {"html", "moodle"}
            source = source[match.end() :]
        opening = find_unescaped(source, "{")
        closing = find_unescaped(source, "}", opening + 1) if opening >= 0 else -1
        label = name or f"line {block.line}"
        if opening < 0 or closing < 0:
            self.problem(
                block.line, _l("no answers in braces {...} (descriptions are not supported)"), label
            )
            return None
        stem = (source[:opening] + " " + source[closing + 1 :]).strip()
        answers = source[opening + 1 : closing].strip()
        question = QuestionData(
            id=name,
            text=multilang.split(unescape(stem), is_html=is_html),
            file=self.file,
            line=block.line,
        )
        general = answers.split("####", 1)
        if len(general) == 2:
            answers = general[0].strip()
            question.explanation = multilang.split(unescape(general[1]).strip(), is_html=is_html)
        if not self.answers(question, answers, is_html, label):
            return None
        meta.apply(question, block.meta)
        if not question.id:
            self.problem(block.line, _l("a question needs a name (::id::) to be matched"), label)
        return question

    def answers(self, question: QuestionData, answers: str, is_html: bool, label: str) -> bool:
        head = split_unescaped(answers, "#")[0][1].strip().upper()
        if head in TRUE_WORDS | FALSE_WORDS:
            question.kind = "true_false"
            truth = head in TRUE_WORDS
            question.options = [
                OptionData("a", dict(TRUE_TEXT), truth),
                OptionData("b", dict(FALSE_TEXT), not truth),
            ]
            return True
        if "->" in answers:
            self.problem(question.line, _l("matching questions are not supported"), label)
            return False
        parts = [(lead, body) for lead, body in split_unescaped(answers, "=~") if lead]
        if not parts:
            self.problem(
                question.line,
                _l(
                    "no answer starts with = or ~ "
                    "(numerical, short-answer and essay questions are not supported)"
                ),
                label,
            )
            return False
        weighted = False
        for index, (lead, body) in enumerate(parts):
            text = split_unescaped(body, "#")[0][1].strip()
            weight = None
            found = re.match(r"^%(-?\d+(?:\.\d+)?)%", text)
            if found:
                weight, text = float(found.group(1)), text[found.end() :].strip()
                weighted = True
            correct = lead == "=" if weight is None else weight > 0
            option_id = OPTION_IDS[index] if index < len(OPTION_IDS) else f"o{index + 1}"
            question.options.append(
                OptionData(option_id, multilang.split(unescape(text), is_html=is_html), correct)
            )
        if not weighted and sum(1 for lead, _ in parts if lead == "=") > 1:
            self.problem(question.line, _l("short-answer questions are not supported"), label)
            return False
        question.kind = "multiple" if weighted else "single"
        return True


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:64] or "imported"


def read_gift(text: str, filename: str) -> tuple[list[TopicData], list[Problem]]:
    """Parse a GIFT file into topics (one per ``$CATEGORY``) and problems."""
    reader = _GiftReader(filename)
    reader.read(text)
    for topic in reader.topics:
        topic.name.setdefault("vi", topic.slug)
    return [t for t in reader.topics if t.questions], reader.problems


def write_gift(topic: TopicData) -> str:
    """One topic as GIFT, with our metadata in comments Moodle ignores."""
    lines = [
        f"$CATEGORY: $course$/top/{topic.slug}",
        f"// {TOPIC_META}" + json.dumps({"name": topic.name}, ensure_ascii=False),
        "",
    ]
    for q in topic.questions:
        lines.append("// " + meta.dump(q))
        text = escape(multilang.join(q.text))
        if q.kind == "true_false":
            truth = next(o for o in q.options if o.correct).id == q.options[0].id
            answers = ["TRUE" if truth else "FALSE"]
        elif q.kind == "single":
            answers = [
                ("=" if o.correct else "~") + escape(multilang.join(o.text)) for o in q.options
            ]
        else:
            right = sum(1 for o in q.options if o.correct)
            weight = f"{100 / right:.5f}".rstrip("0").rstrip(".")
            answers = [
                (f"~%{weight}%" if o.correct else "~%-100%") + escape(multilang.join(o.text))
                for o in q.options
            ]
        if q.explanation:
            answers.append("####" + escape(multilang.join(q.explanation)))
        body = "\n".join(f"    {a}" for a in answers)
        lines.append(f"::{escape(q.id)}::[html]{text} {{\n{body}\n}}")
        lines.append("")
    return "\n".join(lines)
