"""question_versions.review_by: the day a version's facts must be checked again

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question_versions") as batch:
        batch.add_column(sa.Column("review_by", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("question_versions") as batch:
        batch.drop_column("review_by")
