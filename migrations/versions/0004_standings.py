"""standings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:31:03.725559
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "university_standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("total_units", sa.Integer(), nullable=False),
        sa.Column("top_n_units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["universities.id"],
            name=op.f("fk_university_standings_university_id_universities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_university_standings")),
        sa.UniqueConstraint("view", "scope", "university_id", name="uq_university_standings"),
    )
    with op.batch_alter_table("university_standings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_university_standings_university_id"), ["university_id"], unique=False
        )

    op.create_table(
        "overall_standings",
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("total_units", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_overall_standings_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["universities.id"],
            name=op.f("fk_overall_standings_university_id_universities"),
        ),
        sa.PrimaryKeyConstraint("view", "student_id", name=op.f("pk_overall_standings")),
    )
    op.create_table(
        "round_standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("score_units", sa.Integer(), nullable=False),
        sa.Column("prediction_error", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_round_standings_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_standings_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_round_standings_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["universities.id"],
            name=op.f("fk_round_standings_university_id_universities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_standings")),
        sa.UniqueConstraint("view", "round_id", "student_id", name="uq_round_standings_student"),
    )
    with op.batch_alter_table("round_standings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_round_standings_student_id"), ["student_id"], unique=False
        )

    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True)
        )

    # The boards' orders, with the score descending (autogenerate cannot write these).
    op.create_index(
        "ix_round_standings_order",
        "round_standings",
        [
            "view",
            "round_id",
            sa.text("score_units DESC"),
            "prediction_error",
            "duration_ms",
            "ended_at",
        ],
    )
    op.create_index(
        "ix_round_standings_university",
        "round_standings",
        ["view", "round_id", "university_id", sa.text("score_units DESC")],
    )
    op.create_index(
        "ix_overall_standings_order",
        "overall_standings",
        ["view", sa.text("total_units DESC"), "duration_ms"],
    )
    op.create_index(
        "ix_overall_standings_university",
        "overall_standings",
        ["view", "university_id", sa.text("total_units DESC")],
    )


def downgrade() -> None:
    for name, table in (
        ("ix_overall_standings_university", "overall_standings"),
        ("ix_overall_standings_order", "overall_standings"),
        ("ix_round_standings_university", "round_standings"),
        ("ix_round_standings_order", "round_standings"),
    ):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("results_published_at")

    with op.batch_alter_table("round_standings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_standings_student_id"))

    op.drop_table("round_standings")
    op.drop_table("overall_standings")
    with op.batch_alter_table("university_standings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_university_standings_university_id"))

    op.drop_table("university_standings")
