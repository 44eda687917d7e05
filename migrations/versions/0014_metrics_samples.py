"""the live monitor: samples of each server's counters

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metrics_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics_samples")),
    )
    op.create_index("ix_metrics_samples_server_at", "metrics_samples", ["server", "at"])
    op.create_index(op.f("ix_metrics_samples_at"), "metrics_samples", ["at"])


def downgrade() -> None:
    op.drop_table("metrics_samples")
