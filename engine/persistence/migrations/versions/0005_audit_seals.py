"""Audit log seals: head codes, the registry of chains, rows bound to their entries.

`audit_head.mac` authenticates each head; `audit_chain` and `audit_registry` record which
chains must exist; `access_decision.audit_seq` and `transition_record.audit_seq` hold the
seq of the entry each row records, filled in here for rows written before. A migration has
no audit key: `unitgate db upgrade` seals the chains it finds right after this revision.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    op.create_table('audit_chain',
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('first_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('registered_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sealed_seq', sa.Integer(), nullable=True),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('facility_id'),
    sa.UniqueConstraint('ordinal')
    )
    op.create_table('audit_registry',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('chains', sa.Integer(), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    for table in ('access_decision', 'transition_record'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('audit_seq', sa.Integer(), nullable=True))
    _bind_existing_rows(op.get_bind())
    for table in ('access_decision', 'transition_record'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                f'ix_{table}_audit_seq', ['facility_id', 'audit_seq'], unique=True
            )


def _bind_existing_rows(conn: sa.Connection) -> None:
    """Each existing decision and transition row gets the seq of the entry that records it
    (a decision's entry names its id; a transition's its unit and the unit's new version).
    A row no entry records keeps none, and verification reports it."""
    entries = sa.table(
        'audit_entry',
        sa.column('id', sa.Integer),
        sa.column('facility_id', sa.String),
        sa.column('seq', sa.Integer),
        sa.column('kind', sa.String),
        sa.column('payload', sa.Text),
    )
    decisions = sa.table(
        'access_decision',
        sa.column('id', sa.Integer),
        sa.column('facility_id', sa.String),
        sa.column('audit_seq', sa.Integer),
    )
    transitions = sa.table(
        'transition_record',
        sa.column('facility_id', sa.String),
        sa.column('unit_id', sa.String),
        sa.column('unit_version', sa.Integer),
        sa.column('audit_seq', sa.Integer),
    )
    bind_decision = (
        sa.update(decisions)
        .where(
            decisions.c.id == sa.bindparam('b_id'),
            decisions.c.facility_id == sa.bindparam('b_facility'),
            decisions.c.audit_seq.is_(None),
        )
        .values(audit_seq=sa.bindparam('b_seq'))
    )
    bind_transition = (
        sa.update(transitions)
        .where(
            transitions.c.facility_id == sa.bindparam('b_facility'),
            transitions.c.unit_id == sa.bindparam('b_unit'),
            transitions.c.unit_version == sa.bindparam('b_version'),
            transitions.c.audit_seq.is_(None),
        )
        .values(audit_seq=sa.bindparam('b_seq'))
    )
    after = 0
    while True:
        rows = conn.execute(
            sa.select(entries.c.id, entries.c.facility_id, entries.c.seq, entries.c.kind, entries.c.payload)
            .where(entries.c.id > after, entries.c.kind.in_(['access_decision', 'transition']))
            .order_by(entries.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        found_decisions, found_transitions = [], []
        for row in rows:
            try:
                payload = json.loads(row.payload)
            except ValueError:
                continue  # an edited entry: verification names it
            if not isinstance(payload, dict):
                continue
            base = {'b_facility': row.facility_id, 'b_seq': row.seq}
            if row.kind == 'access_decision' and isinstance(payload.get('decision_id'), int):
                found_decisions.append({**base, 'b_id': payload['decision_id']})
            elif row.kind == 'transition' and isinstance(payload.get('version'), int):
                found_transitions.append(
                    {**base, 'b_unit': str(payload.get('unit_id')), 'b_version': payload['version']}
                )
        if found_decisions:
            conn.execute(bind_decision, found_decisions)
        if found_transitions:
            conn.execute(bind_transition, found_transitions)


def downgrade() -> None:
    for table in ('transition_record', 'access_decision'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_audit_seq')
            batch_op.drop_column('audit_seq')
    op.drop_table('audit_registry')
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
