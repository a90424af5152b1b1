"""Access decisions carry a stable denial reason code beside the human reason.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('access_decision', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('access_decision', schema=None) as batch_op:
        batch_op.drop_column('reason_code')
