"""contest-day start: papers drawn ahead, each attempt's last save instant, a round's first start

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from quiz.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("first_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("paper_revision", sa.Integer(), server_default="1", nullable=False)
        )
    op.execute(
        "UPDATE rounds SET first_started_at = "
        "(SELECT min(started_at) FROM attempts WHERE attempts.round_id = rounds.id)"
    )

    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("save_until", sa.DateTime(timezone=True), nullable=True))
    _fill_save_until()
    with op.batch_alter_table("attempts") as batch:
        batch.alter_column("save_until", existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table(
        "papers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_papers_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_papers_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_papers")),
        sa.UniqueConstraint("round_id", "student_id", name="uq_papers_student"),
    )
    op.create_index(op.f("ix_papers_student_id"), "papers", ["student_id"])
    op.create_table(
        "paper_items",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_paper_items_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_versions.id"],
            name=op.f("fk_paper_items_question_version_id_question_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("paper_id", "position", name=op.f("pk_paper_items")),
    )


def _fill_save_until() -> None:
    """save_until = deadline + the round's grace, for every attempt already there."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE attempts SET save_until = attempts.deadline "
            "+ rounds.grace_seconds * interval '1 second' "
            "FROM rounds WHERE rounds.id = attempts.round_id"
        )
        return
    # SQLite keeps datetimes as text: compute them in Python, in the stored format.
    attempts = sa.table(
        "attempts",
        sa.column("id", sa.Integer()),
        sa.column("round_id", sa.Integer()),
        sa.column("deadline", UTCDateTime()),
        sa.column("save_until", UTCDateTime()),
    )
    rounds = sa.table("rounds", sa.column("id", sa.Integer()), sa.column("grace_seconds"))
    rows = bind.execute(
        sa.select(attempts.c.id, attempts.c.deadline, rounds.c.grace_seconds).join(
            rounds, rounds.c.id == attempts.c.round_id
        )
    ).all()
    if rows:
        bind.execute(
            attempts.update()
            .where(attempts.c.id == sa.bindparam("attempt_id"))
            .values(save_until=sa.bindparam("until", type_=UTCDateTime())),
            [
                {"attempt_id": row.id, "until": row.deadline + timedelta(seconds=row.grace_seconds)}
                for row in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("paper_items")
    op.drop_index(op.f("ix_papers_student_id"), table_name="papers")
    op.drop_table("papers")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("save_until")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("paper_revision")
        batch.drop_column("first_started_at")
