"""score levels: each board's histogram; board indexes end with the student

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROUND_ORDER = ["view", "round_id", sa.text("score_units DESC"), "prediction_error"]
ROUND_ORDER += ["duration_ms", "ended_at"]
OVERALL_ORDER = ["view", sa.text("total_units DESC"), "duration_ms"]


def upgrade() -> None:
    op.create_table(
        "score_levels",
        sa.Column("view", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("score_units", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("view", "scope", "score_units", name=op.f("pk_score_levels")),
    )
    # The histograms of the standings already kept.
    op.execute(
        "INSERT INTO score_levels (view, scope, score_units, entries) "
        "SELECT view, 'round:' || CAST(round_id AS VARCHAR), score_units, count(*) "
        "FROM round_standings GROUP BY view, round_id, score_units"
    )
    op.execute(
        "INSERT INTO score_levels (view, scope, score_units, entries) "
        "SELECT view, 'overall', total_units, count(*) "
        "FROM overall_standings GROUP BY view, total_units"
    )
    # The boards' orders end with the student, so that a page is read from the
    # index alone (the final tie-break included).
    op.drop_index("ix_round_standings_order", table_name="round_standings")
    op.create_index("ix_round_standings_order", "round_standings", [*ROUND_ORDER, "student_id"])
    op.drop_index("ix_overall_standings_order", table_name="overall_standings")
    op.create_index(
        "ix_overall_standings_order", "overall_standings", [*OVERALL_ORDER, "student_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_overall_standings_order", table_name="overall_standings")
    op.create_index("ix_overall_standings_order", "overall_standings", OVERALL_ORDER)
    op.drop_index("ix_round_standings_order", table_name="round_standings")
    op.create_index("ix_round_standings_order", "round_standings", ROUND_ORDER)
    op.drop_table("score_levels")
