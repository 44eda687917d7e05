"""The bank's health for organisers: the lint of the active questions as the database
holds them, and what past rounds' item analysis said of each question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.bank import services
from quiz.bank.lint import Figures, Finding, lint, question_findings
from quiz.bank.models import Question, Status
from quiz.bank.schema import question_from_content
from quiz.clock import now
from quiz.operations.analysis import of_round
from quiz.rounds.models import Round


def today() -> date:
    """Today by the platform's clock (the one tests move)."""
    return now().date()


def bank_lint(session: Session) -> tuple[list[Finding], Figures]:
    """Findings and figures of the active bank (current versions)."""
    return lint(services.export_bank(session), today=today())


def findings_by_question(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.question:
            grouped.setdefault(finding.question, []).append(finding)
    return grouped


def findings_of(questions: list[Question]) -> dict[str, list[Finding]]:
    """The per-question findings of a page of questions (no bank-wide comparison: cheap
    enough for the bank's list)."""
    day = today()
    found: dict[str, list[Finding]] = {}
    for question in questions:
        if question.status == Status.ACTIVE.value and question.current_version is not None:
            data = question_from_content(
                question.key, services.version_content(question.current_version)
            )
            found[question.key] = question_findings(data, today=day)
    return found


@dataclass(frozen=True)
class PastFlags:
    """What one closed round's item analysis flagged on one question version."""

    round_id: int
    round_title: dict[str, str]
    version: int
    facility: float
    flags: list[str]


def analysis_flags(session: Session) -> dict[str, list[PastFlags]]:
    """Flagged questions in every closed round's item analysis, most recent round first.

    A closed round's analysis is kept once computed (operations.analysis.of_round), so
    this reads one stored result per round after the first visit.
    """
    rounds = session.scalars(
        select(Round).where(Round.closes_at <= now()).order_by(Round.closes_at.desc(), Round.id)
    )
    flagged: dict[str, list[PastFlags]] = {}
    for round_ in rounds:
        for row in of_round(session, round_).questions:
            if row.flags:
                flagged.setdefault(row.question_id, []).append(
                    PastFlags(round_.id, round_.title, row.version, row.facility, row.flags)
                )
    return flagged
