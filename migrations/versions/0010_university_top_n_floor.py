"""university aggregates kept by difference: the N-th best score of each row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: not known yet; the next change of the row reads its N best once.
    with op.batch_alter_table("university_standings") as batch:
        batch.add_column(sa.Column("top_n_floor", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("university_standings") as batch:
        batch.drop_column("top_n_floor")
