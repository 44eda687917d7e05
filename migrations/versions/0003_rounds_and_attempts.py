"""rounds and attempts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:53:12.474672
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("blueprint", sa.JSON(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("attempt_policy", sa.String(), nullable=False),
        sa.Column("multiple_choice_policy", sa.String(), nullable=False),
        sa.Column("review", sa.String(), nullable=False),
        sa.Column("leaderboard_freeze_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prediction_text", sa.JSON(), nullable=True),
        sa.Column("prediction_value", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "attempt_policy IN ('best', 'last')", name=op.f("ck_rounds_attempt_policy")
        ),
        sa.CheckConstraint(
            "multiple_choice_policy IN ('all_or_nothing', 'partial')",
            name=op.f("ck_rounds_mc_policy"),
        ),
        sa.CheckConstraint(
            "review IN ('after_close', 'immediately', 'never')", name=op.f("ck_rounds_review")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_rounds_window")),
        sa.CheckConstraint("grace_seconds >= 0", name=op.f("ck_rounds_grace")),
        sa.CheckConstraint("max_attempts >= 1", name=op.f("ck_rounds_max_attempts")),
        sa.CheckConstraint("time_limit_seconds > 0", name=op.f("ck_rounds_time_limit")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_rounds_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index("ix_rounds_opens_at", ["opens_at"], unique=False)

    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score_units", sa.Integer(), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("prediction", sa.Integer(), nullable=True),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted', 'expired')", name=op.f("ck_attempts_status")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_attempts_number")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_attempts_round_id_rounds"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_attempts_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
        sa.UniqueConstraint("round_id", "student_id", "number", name="uq_attempts_number"),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempts_deadline_open",
            ["deadline"],
            unique=False,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )
        batch_op.create_index(batch_op.f("ix_attempts_student_id"), ["student_id"], unique=False)
        batch_op.create_index(
            "uq_attempts_in_progress",
            ["round_id", "student_id"],
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )

    op.create_table(
        "attempt_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score_units", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_items_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_versions.id"],
            name=op.f("fk_attempt_items_question_version_id_question_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_items")),
        sa.UniqueConstraint("attempt_id", "position", name="uq_attempt_items_position"),
    )
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attempt_items_question_version_id"),
            ["question_version_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_items_question_version_id"))

    op.drop_table("attempt_items")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_attempts_in_progress",
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )
        batch_op.drop_index(batch_op.f("ix_attempts_student_id"))
        batch_op.drop_index(
            "ix_attempts_deadline_open",
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        )

    op.drop_table("attempts")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_rounds_opens_at")

    op.drop_table("rounds")
