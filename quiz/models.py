"""Every model of the platform, imported once so that the metadata is complete.

Alembic's autogenerate and the schema test read ``Base.metadata`` from here.
"""

from quiz.accounts.models import ApiToken, LoginSession, User
from quiz.attempts.models import (
    Attempt,
    AttemptItem,
    AttemptNote,
    Paper,
    PaperItem,
    Regrade,
)
from quiz.audit.models import AuditEntry
from quiz.bank.models import Question, QuestionVersion, Topic
from quiz.certificates.models import Certificate
from quiz.db import Base
from quiz.monitor.models import MetricsSample
from quiz.operations.models import IntegritySignal, RoundAnalysisCache
from quiz.results.models import Appeal
from quiz.rounds.models import Round, RoundOverride
from quiz.standings.models import (
    OverallStanding,
    RoundStanding,
    ScoreLevel,
    UniversityStanding,
)
from quiz.universities.models import University

__all__ = [
    "ApiToken",
    "Appeal",
    "Attempt",
    "AttemptItem",
    "AttemptNote",
    "AuditEntry",
    "Base",
    "Certificate",
    "IntegritySignal",
    "LoginSession",
    "MetricsSample",
    "Question",
    "QuestionVersion",
    "OverallStanding",
    "Paper",
    "PaperItem",
    "Regrade",
    "Round",
    "RoundAnalysisCache",
    "RoundOverride",
    "RoundStanding",
    "ScoreLevel",
    "Topic",
    "University",
    "UniversityStanding",
    "User",
]
