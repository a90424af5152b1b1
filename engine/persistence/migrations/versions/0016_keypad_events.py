"""Keypad events: what people typed at keypad locks, landed once by the lock service's
event id, and each lock service's cursor into its event log.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('keypad_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('occurred_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('access_code_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('door_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('received_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['access_decision.id'], ),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], ),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('service', 'event_id')
    )
    with op.batch_alter_table('keypad_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_keypad_event_device_id'), ['device_id'], unique=False)

    op.create_table('keypad_event_cursor',
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('since', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('service')
    )


def downgrade() -> None:
    op.drop_table('keypad_event_cursor')
    with op.batch_alter_table('keypad_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_keypad_event_device_id'))
    op.drop_table('keypad_event')
