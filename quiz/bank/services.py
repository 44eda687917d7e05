"""The bank's rules: importing, versioning, authoring, retiring, listing, exporting.

Every write takes the caller's session, only flushes, and is audit-logged.
A change of content always makes a new immutable version; nothing is deleted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.audit.services import record
from quiz.bank import files
from quiz.bank.models import Question, QuestionVersion, Status, Topic
from quiz.bank.schema import (
    LOCALES,
    BankInvalid,
    Problem,
    QuestionData,
    TopicData,
    question_from_content,
)
from quiz.bank.validate import validate
from quiz.errors import Conflict, InvalidInput, NotFound
from quiz.rounds.services import bank_changed
from quiz.text import fold


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    topics_created: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"created {len(self.created)}, new versions {len(self.new_versions)}, "
            f"unchanged {len(self.unchanged)}, retired {len(self.retired)}"
        )


def _topics_by_slug(session: Session) -> dict[str, Topic]:
    return {t.slug: t for t in session.scalars(select(Topic))}


def _new_version(
    session: Session, question: Question, data: QuestionData, number: int, author_id: int | None
) -> QuestionVersion:
    content = data.content()
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        difficulty=content["difficulty"],
        kind=content["kind"],
        points=content["points"],
        text=content["text"],
        options=content["options"],
        explanation=content["explanation"],
        source=content["source"],
        tags=content["tags"],
        review_by=data.review_by,
        digest=data.digest(),
        author_id=author_id,
    )
    session.add(version)
    session.flush()
    question.current_version_id = version.id
    question.current_version = version
    question.difficulty = version.difficulty
    question.kind = version.kind
    return version


def _upsert_question(
    session: Session, topic: Topic, data: QuestionData, author_id: int | None
) -> str:
    """Create ``data`` or give it a new version; return created / new_version / unchanged."""
    question = session.scalar(select(Question).where(Question.key == data.id))
    if question is None:
        question = Question(
            key=data.id,
            topic_id=topic.id,
            difficulty=data.difficulty,
            kind=data.kind,
            status=Status.ACTIVE.value,
        )
        session.add(question)
        session.flush()
        _new_version(session, question, data, 1, author_id)
        return "created"
    moved = question.topic_id != topic.id
    question.topic_id = topic.id
    current = question.current_version
    if current is not None and current.digest == data.digest():
        return "new_version" if moved else "unchanged"
    number = (
        session.scalar(
            select(func.max(QuestionVersion.number)).where(
                QuestionVersion.question_id == question.id
            )
        )
        or 0
    ) + 1
    _new_version(session, question, data, number, author_id)
    return "new_version"


def _retire(session: Session, key: str) -> bool:
    """Retire the question a file marks ``status: retired``; False if it already was."""
    question = session.scalar(select(Question).where(Question.key == key))
    if question is None or question.status == Status.RETIRED.value:
        return False
    question.status = Status.RETIRED.value
    return True


def import_bank(
    session: Session,
    topics: list[TopicData],
    *,
    retire_missing: bool = False,
    actor_id: int | None = None,
) -> ImportSummary:
    """Write parsed bank content (spec/question-bank.md, Import semantics).

    Raises BankInvalid, before writing anything, when any rule is broken.
    Questions are matched by id; same content is left alone; changed content
    gets a new version; with ``retire_missing`` active questions absent from
    ``topics`` are retired (never deleted).
    """
    errors, _warnings = validate(topics)
    if errors:
        raise BankInvalid(errors)
    summary = ImportSummary()
    existing_topics = _topics_by_slug(session)
    for data in topics:
        topic = existing_topics.get(data.slug)
        if topic is None:
            topic = Topic(slug=data.slug, name=dict(data.name))
            session.add(topic)
            session.flush()
            existing_topics[data.slug] = topic
            summary.topics_created.append(data.slug)
        elif topic.name != dict(data.name):
            topic.name = dict(data.name)
        for question in data.questions:
            outcome = _upsert_question(session, topic, question, actor_id)
            {
                "created": summary.created,
                "new_version": summary.new_versions,
                "unchanged": summary.unchanged,
            }[outcome].append(question.id)
            if question.status == Status.RETIRED.value and _retire(session, question.id):
                summary.retired.append(question.id)
    if retire_missing:
        seen = {q.id for t in topics for q in t.questions}
        for question in session.scalars(
            select(Question).where(Question.status == Status.ACTIVE.value)
        ):
            if question.key not in seen:
                question.status = Status.RETIRED.value
                summary.retired.append(question.key)
    session.flush()
    if summary.created or summary.new_versions or summary.retired:
        _still_drawable(session)
    record(
        session,
        actor_id,
        "bank.import",
        "bank",
        created=summary.created,
        new_versions=summary.new_versions,
        retired=summary.retired,
        unchanged=len(summary.unchanged),
    )
    return summary


def export_bank(session: Session, *, include_retired: bool = False) -> list[TopicData]:
    """The bank as topics of current versions, in a stable order (topic slug, question id)."""
    statement = select(Question).join(Topic).order_by(Topic.slug, Question.key)
    if not include_retired:
        statement = statement.where(Question.status == Status.ACTIVE.value)
    topics: dict[str, TopicData] = {
        t.slug: TopicData(slug=t.slug, name=dict(t.name))
        for t in session.scalars(select(Topic).order_by(Topic.slug))
    }
    for question in session.scalars(statement):
        version = question.current_version
        assert version is not None
        data = question_from_content(question.key, version_content(version))
        data.status = question.status
        topics[question.topic.slug].questions.append(data)
    return [t for t in topics.values() if t.questions]


def version_content(version: QuestionVersion) -> dict[str, Any]:
    return {
        "difficulty": version.difficulty,
        "kind": version.kind,
        "points": version.points,
        "text": version.text,
        "options": version.options,
        "explanation": version.explanation,
        "source": version.source,
        "tags": version.tags,
        **({"review_by": version.review_by.isoformat()} if version.review_by else {}),
    }


# -- authoring -------------------------------------------------------------------------


def get_question(session: Session, key: str) -> Question | None:
    return session.scalar(select(Question).where(Question.key == key))


def save_question(
    session: Session, topic_slug: str, data: QuestionData, *, actor_id: int | None, is_new: bool
) -> tuple[Question, str]:
    """Create a question or save an edit as a new version (same validation as files).

    Returns the question and what happened (created / new_version / unchanged).
    Raises BankInvalid with the problems found.
    """
    topic = session.scalar(select(Topic).where(Topic.slug == topic_slug))
    if topic is None:
        raise BankInvalid([_problem(data, _l("unknown topic %(topic)s", topic=repr(topic_slug)))])
    existing = get_question(session, data.id)
    if is_new and existing is not None:
        raise BankInvalid([_problem(data, _l("a question with this id already exists"))])
    if not is_new and existing is None:
        raise BankInvalid([_problem(data, _l("no question with this id"))])
    errors, _ = validate([TopicData(slug=topic.slug, name=topic.name, questions=[data])])
    if errors:
        raise BankInvalid(errors)
    outcome = _upsert_question(session, topic, data, actor_id)
    session.flush()
    if outcome != "unchanged":
        _still_drawable(session)
    question = get_question(session, data.id)
    assert question is not None
    if outcome != "unchanged":
        record(
            session,
            actor_id,
            f"bank.question.{'create' if is_new else 'edit'}",
            f"question:{data.id}",
            version=question.current_version.number if question.current_version else None,
        )
    return question, outcome


def _problem(data: QuestionData, message: Any) -> Problem:
    return Problem(data.file or "form", 0, data.id, message)


def _still_drawable(session: Session) -> None:
    """BankInvalid if the change leaves a round that is not closed without enough questions;
    otherwise the rounds' sets drawn ahead are drawn again from the changed bank."""
    try:
        bank_changed(session)
    except InvalidInput as error:
        raise BankInvalid([Problem("bank", 0, "", error.message)]) from None


def set_status(session: Session, key: str, status: Status, *, actor_id: int | None) -> Question:
    """Retire (no longer drawn) or restore a question; history is kept either way.

    Raises NotFound for an unknown id, and Conflict when retiring it would leave
    a round that is not closed without enough questions to draw.
    """
    question = get_question(session, key)
    if question is None:
        raise NotFound(_l("no question with this id"))
    if question.status != status.value:
        question.status = status.value
        session.flush()
        try:
            bank_changed(session)
        except InvalidInput as error:
            raise Conflict(error.message, code="round_needs_question") from None
        record(
            session,
            actor_id,
            f"bank.question.{'retire' if status is Status.RETIRED else 'restore'}",
            f"question:{key}",
        )
    return question


@functools.cache
def bundled_ids() -> frozenset[str]:
    """The ids of the bundled (public) bank's questions, read once per process."""
    topics, _problems = files.read_path(files.BUNDLED_BANK)
    return frozenset(q.id for topic in topics for q in topic.questions)


def bundled_active(session: Session) -> int:
    """How many active questions are the bundled bank's, whose keys are public."""
    keys = session.scalars(select(Question.key).where(Question.status == Status.ACTIVE.value))
    public = bundled_ids()
    return sum(1 for key in keys if key in public)


@dataclass
class BankFilter:
    topic: str = ""
    difficulty: str = ""
    kind: str = ""
    status: str = ""
    #: A locale whose translation is missing somewhere in the question.
    missing: str = ""
    query: str = ""


def list_questions(
    session: Session, filters: BankFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[Question], int]:
    """Questions matching ``filters``, ordered by topic and id, and their total."""
    statement = select(Question).join(Topic)
    if filters.topic:
        statement = statement.where(Topic.slug == filters.topic)
    if filters.difficulty:
        statement = statement.where(Question.difficulty == filters.difficulty)
    if filters.kind:
        statement = statement.where(Question.kind == filters.kind)
    if filters.status:
        statement = statement.where(Question.status == filters.status)
    questions = list(session.scalars(statement.order_by(Topic.slug, Question.key)))
    # Text search and translation gaps look inside JSON content: done here, on a
    # bank of a few thousand questions at most, rather than per database dialect.
    if filters.query:
        words = fold(filters.query).split()
        questions = [q for q in questions if all(w in _search_text(q) for w in words)]
    if filters.missing in LOCALES:
        questions = [q for q in questions if _misses(q, filters.missing)]
    return questions[offset : offset + limit], len(questions)


def _search_text(question: Question) -> str:
    version = question.current_version
    parts = [question.key]
    if version is not None:
        parts += list(version.text.values()) + [version.source] + list(version.tags)
        parts += [t for o in version.options for t in o["text"].values()]
    return fold(" ".join(parts))


def _misses(question: Question, locale: str) -> bool:
    return locale in missing_locales(question)


def missing_locales(question: Question) -> list[str]:
    """Locales that some text of the current version lacks (for the translation filter)."""
    version = question.current_version
    if version is None:
        return list(LOCALES)
    texts = [version.text, version.explanation] + [o["text"] for o in version.options]
    return [loc for loc in LOCALES if any(not (t or {}).get(loc) for t in texts)]


def topics(session: Session) -> list[Topic]:
    return list(session.scalars(select(Topic).order_by(Topic.slug)))


def versions(session: Session, question: Question) -> list[QuestionVersion]:
    """Every version of ``question``, newest first."""
    return list(
        session.scalars(
            select(QuestionVersion)
            .where(QuestionVersion.question_id == question.id)
            .order_by(QuestionVersion.number.desc())
        )
    )


def changes(older: QuestionVersion, newer: QuestionVersion) -> list[str]:
    """Names of what differs between two versions (for the history page)."""
    old, new = version_content(older), version_content(newer)
    changed = []
    for key in ("difficulty", "kind", "points", "source", "tags"):
        if old[key] != new[key]:
            changed.append(key)
    for locale in LOCALES:
        if old["text"].get(locale) != new["text"].get(locale):
            changed.append(f"text.{locale}")
        if old["explanation"].get(locale) != new["explanation"].get(locale):
            changed.append(f"explanation.{locale}")
    if old["options"] != new["options"]:
        changed.append("options")
    return changed
