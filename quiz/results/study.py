"""The study page: questions whose answers became public with a practice round, by
topic, with their key, explanation and source (an awareness campaign keeps teaching)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quiz.bank.models import Question, QuestionVersion, Status, Topic


def topics(session: Session) -> list[tuple[Topic, int]]:
    """The topics with released questions, and how many each has, in the bank's order."""
    counts = (
        select(Question.topic_id, func.count().label("released"))
        .where(Question.released_at.is_not(None), Question.status == Status.ACTIVE.value)
        .group_by(Question.topic_id)
        .subquery()
    )
    return [
        (topic, released)
        for topic, released in session.execute(
            select(Topic, counts.c.released)
            .join(counts, counts.c.topic_id == Topic.id)
            .order_by(Topic.slug)
        )
    ]


def questions(session: Session, topic: Topic) -> list[QuestionVersion]:
    """The topic's released questions as they are now (their current versions), by key."""
    return list(
        session.scalars(
            select(QuestionVersion)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(
                Question.topic_id == topic.id,
                Question.released_at.is_not(None),
                Question.status == Status.ACTIVE.value,
            )
            .order_by(Question.key)
        )
    )
