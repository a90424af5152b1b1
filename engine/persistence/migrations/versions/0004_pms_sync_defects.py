"""PMS sync defects: 64-bit sequence numbers and inbox ids, per-company webhook secrets,
bounded refusals (address of unsigned input, tally of the ones not kept), conflicts that
close with their cause.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable): every column that holds a PMS sequence number.
_SEQ_COLUMNS = (
    ('pms_inbox', 'seq', False),
    ('unit', 'last_pms_seq', False),
    ('transition_record', 'pms_seq', True),
    ('sync_conflict', 'pms_seq', True),
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def _seq_types(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    if not _postgresql():
        # SQLite's INTEGER holds 64 bits already (and its INTEGER key is the rowid); a batch
        # rebuild of `unit`, which other tables reference, fails on a database with data.
        return
    for table, column, nullable in _SEQ_COLUMNS:
        op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=nullable)
    op.alter_column('pms_inbox', 'id', existing_type=old, type_=new, existing_nullable=False)
    op.execute(f'ALTER SEQUENCE pms_inbox_id_seq AS {new.compile(dialect=op.get_bind().dialect)}')


def upgrade() -> None:
    _seq_types(sa.Integer(), sa.BigInteger())
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('resolved_pms_seq', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('pms_rejection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_pms_rejection_recent', ['facility_id', 'at'], unique=False)
    op.create_table('pms_webhook_secret',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('retires_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pms_webhook_secret', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pms_webhook_secret_company_id'), ['company_id'], unique=False)
    op.create_table('pms_refusal_tally',
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('dropped', sa.BigInteger(), nullable=False),
    sa.Column('last_dropped_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('facility_id')
    )


def downgrade() -> None:
    op.drop_table('pms_refusal_tally')
    with op.batch_alter_table('pms_webhook_secret', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pms_webhook_secret_company_id'))
    op.drop_table('pms_webhook_secret')
    with op.batch_alter_table('pms_rejection', schema=None) as batch_op:
        batch_op.drop_index('ix_pms_rejection_recent')
        batch_op.drop_column('address')
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_column('resolved_pms_seq')
        batch_op.drop_column('resolution')
    _seq_types(sa.BigInteger(), sa.Integer())
