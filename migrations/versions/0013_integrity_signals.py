"""integrity signals: the start's address, disqualified attempts, signals to review

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("start_address", sa.String(length=45), nullable=True))
        batch.add_column(sa.Column("disqualified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "integrity_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("attempt_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "kind IN ('fast', 'twins', 'crowd')", name=op.f("ck_integrity_signals_kind")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'cleared', 'disqualified')",
            name=op.f("ck_integrity_signals_status"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_integrity_signals_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_integrity_signals_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_signals")),
        sa.UniqueConstraint("round_id", "kind", "subject", name="uq_integrity_signals_subject"),
    )


def downgrade() -> None:
    op.drop_table("integrity_signals")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("disqualified_at")
        batch.drop_column("start_address")
