"""Code grants (seed 003): temporary, vendor and reservation keypad codes on a facility's
doors in a time window with buffers, cancellable.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('code_grant',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('holder_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('holder_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('holder_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('door_ids', sa.JSON(), nullable=False),
    sa.Column('starts_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('code_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_grant_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_grant_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_code_grant_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('code_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_grant_person_id'))
        batch_op.drop_index(batch_op.f('ix_code_grant_facility_id'))
        batch_op.drop_index(batch_op.f('ix_code_grant_ends_at'))

    op.drop_table('code_grant')
