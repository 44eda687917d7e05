"""The university model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from quiz.clock import now
from quiz.db import Base, UTCDateTime
from quiz.text import fold


class University(Base):
    """A university or college that students belong to."""

    __tablename__ = "universities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable public key, upper case (admission code where one exists), used in CSV and API.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    #: Abbreviation people use (e.g. "HCMUE"); empty when there is none.
    short_name: Mapped[str] = mapped_column(String(64), default="")
    #: Province or city (after the 2025 reorganisation of provinces).
    city: Mapped[str] = mapped_column(String(128), default="")
    #: Code, names, short name and city folded by ``quiz.text.fold``, for search.
    search_key: Mapped[str] = mapped_column(String(800), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)

    def refresh_search_key(self) -> None:
        """Recompute ``search_key`` after a change of the searchable fields."""
        self.search_key = fold(
            " ".join(
                [self.code, self.name_vi, self.name_en, self.short_name or "", self.city or ""]
            )
        )

    def name(self, locale: str) -> str:
        """The name to show in ``locale``: Vietnamese for vi, English otherwise."""
        return self.name_vi if locale == "vi" else self.name_en

    def __repr__(self) -> str:
        return f"<University {self.code}>"
