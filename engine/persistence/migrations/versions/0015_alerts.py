"""Alerts (rules over decisions and lock events), the evaluator's cursor per facility, the
facility's signed alert webhook, and a gate's direction (who is on site).

Existing facilities start their cursor at their audit chain's head: history from before
the upgrade raises no alerts.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-04 19:04:25.546181
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0015'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('door_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('lock_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('incident', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('first_seen', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('acknowledged_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('acknowledged_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('resolved_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_incident'), ['incident'], unique=False)
        batch_op.create_index('ix_alert_open', ['facility_id', 'rule', 'subject', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_status'), ['status'], unique=False)

    op.create_table('alert_cursor',
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('facility_id')
    )
    heads = op.get_bind().execute(sa.text('SELECT facility_id, seq FROM audit_head')).all()
    if heads:
        cursor = sa.table(
            'alert_cursor',
            sa.column('facility_id', sa.String()),
            sa.column('seq', sa.BigInteger()),
            sa.column('updated_at', engine.persistence._types.UTCDateTime(timezone=True)),
        )
        now = datetime.now(UTC)
        op.bulk_insert(
            cursor, [{'facility_id': f, 'seq': seq, 'updated_at': now} for f, seq in heads]
        )
    op.create_table('alert_webhook',
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('updated_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('facility_id')
    )
    with op.batch_alter_table('door', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(
            sa.Column('anti_passback', sa.Boolean(), nullable=False, server_default=sa.false())
        )



def downgrade() -> None:
    # In place (SQLite >= 3.35): recreating the table would drop one that other rows reference.
    with op.batch_alter_table('door', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('anti_passback')
        batch_op.drop_column('direction')

    op.drop_table('alert_webhook')
    op.drop_table('alert_cursor')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_status'))
        batch_op.drop_index('ix_alert_open')
        batch_op.drop_index(batch_op.f('ix_alert_incident'))
        batch_op.drop_index(batch_op.f('ix_alert_facility_id'))

    op.drop_table('alert')
