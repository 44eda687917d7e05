"""results: the appeal window, official results, appeals, a counted prediction

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("appeals_open_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("appeals_close_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("official_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("prediction_counts", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column(
                "prediction_entered", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("regrade_action", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'rejected')", name=op.f("ck_appeals_status")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["users.id"],
            name=op.f("fk_appeals_answered_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_appeals_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["attempt_items.id"],
            name=op.f("fk_appeals_item_id_attempt_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_appeals_question_id_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_appeals_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_appeals_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("item_id", name=op.f("uq_appeals_item_id")),
    )
    op.create_index("ix_appeals_round_status", "appeals", ["round_id", "status"])
    op.create_index(op.f("ix_appeals_attempt_id"), "appeals", ["attempt_id"])
    op.create_index(op.f("ix_appeals_student_id"), "appeals", ["student_id"])


def downgrade() -> None:
    op.drop_table("appeals")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("prediction_entered")
        batch.drop_column("prediction_counts")
        batch.drop_column("official_at")
        batch.drop_column("appeals_close_at")
        batch.drop_column("appeals_open_at")
