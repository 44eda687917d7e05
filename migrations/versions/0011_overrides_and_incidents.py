"""contest operations: overrides per student or university, time given back, notes on attempts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("extended_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("excused_ms", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "round_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=True),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("extra_seconds", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(student_id IS NULL) <> (university_id IS NULL)",
            name=op.f("ck_round_overrides_one_student_or_university"),
        ),
        sa.CheckConstraint("extra_seconds >= 0", name=op.f("ck_round_overrides_extra_seconds")),
        sa.CheckConstraint("extra_attempts >= 0", name=op.f("ck_round_overrides_extra_attempts")),
        sa.CheckConstraint(
            "(opens_at IS NULL) = (closes_at IS NULL) AND "
            "(opens_at IS NULL OR closes_at > opens_at)",
            name=op.f("ck_round_overrides_personal_window"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_overrides_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_round_overrides_student_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["university_id"],
            ["universities.id"],
            name=op.f("fk_round_overrides_university_id_universities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_round_overrides_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_overrides")),
    )
    for column in ("student_id", "university_id"):
        op.create_index(
            f"uq_round_overrides_{column.removesuffix('_id')}",
            "round_overrides",
            ["round_id", column],
            unique=True,
            sqlite_where=sa.text(f"{column} IS NOT NULL"),
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )

    op.create_table(
        "attempt_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_notes_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_notes")),
    )
    op.create_index(op.f("ix_attempt_notes_attempt_id"), "attempt_notes", ["attempt_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_attempt_notes_attempt_id"), table_name="attempt_notes")
    op.drop_table("attempt_notes")
    op.drop_index("uq_round_overrides_university", table_name="round_overrides")
    op.drop_index("uq_round_overrides_student", table_name="round_overrides")
    op.drop_table("round_overrides")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("excused_ms")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("extended_until")
