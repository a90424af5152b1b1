"""Initial schema: sites, people, rentals, shares, roles, grants, records, audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 21:50:52.686504
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('company',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('person',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_mobile'), ['mobile'], unique=False)

    op.create_table('facility',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('pms_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('access_opens', sa.Time(), nullable=False),
    sa.Column('access_closes', sa.Time(), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'pms_ref')
    )
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_company_id'), ['company_id'], unique=False)

    op.create_table('role',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'name')
    )
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_company_id'), ['company_id'], unique=False)

    op.create_table('access_group',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'name')
    )
    with op.batch_alter_table('access_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_group_facility_id'), ['facility_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'seq')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_subject'), ['subject'], unique=False)

    op.create_table('audit_head',
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('facility_id')
    )
    op.create_table('role_assignment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('role_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'role_id', 'facility_id')
    )
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignment_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignment_role_id'), ['role_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('pms_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('pms_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_pms_seq', sa.Integer(), nullable=False),
    sa.Column('lien_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('emergency_until', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('access_until', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'number'),
    sa.UniqueConstraint('facility_id', 'pms_ref')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_state'), ['state'], unique=False)

    op.create_table('auction_grant',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('window_start', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auction_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_grant_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_grant_unit_id'), ['unit_id'], unique=False)

    op.create_table('door',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('lock_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'name')
    )
    with op.batch_alter_table('door', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_door_unit_id'), ['unit_id'], unique=False)

    op.create_table('rental',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('pms_tenant_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('pms_rental_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('lease_start', sa.Date(), nullable=False),
    sa.Column('pms_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('mobile', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('access_group_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('started_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['access_group_id'], ['access_group.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rental_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rental_unit_id'), ['unit_id'], unique=False)

    op.create_table('sync_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('pms_seq', sa.Integer(), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_conflict_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_conflict_unit_id'), ['unit_id'], unique=False)

    op.create_table('transition_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('pms_status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('pms_seq', sa.Integer(), nullable=True),
    sa.Column('unit_version', sa.Integer(), nullable=False),
    sa.Column('at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('transition_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_record_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_record_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_record_unit_id'), ['unit_id'], unique=False)

    op.create_table('access_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('door_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.Column('principal_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('deciding_rule', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('policy_version', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], ),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_decision_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_decision_door_id'), ['door_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_decision_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_decision_unit_id'), ['unit_id'], unique=False)

    op.create_table('key_share',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('rental_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('grantee_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['grantee_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['rental_id'], ['rental.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('key_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_share_grantee_id'), ['grantee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_share_rental_id'), ['rental_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_share_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('key_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_share_unit_id'))
        batch_op.drop_index(batch_op.f('ix_key_share_rental_id'))
        batch_op.drop_index(batch_op.f('ix_key_share_grantee_id'))

    op.drop_table('key_share')
    with op.batch_alter_table('access_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_decision_unit_id'))
        batch_op.drop_index(batch_op.f('ix_access_decision_facility_id'))
        batch_op.drop_index(batch_op.f('ix_access_decision_door_id'))
        batch_op.drop_index(batch_op.f('ix_access_decision_at'))

    op.drop_table('access_decision')
    with op.batch_alter_table('transition_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_record_unit_id'))
        batch_op.drop_index(batch_op.f('ix_transition_record_facility_id'))
        batch_op.drop_index(batch_op.f('ix_transition_record_at'))

    op.drop_table('transition_record')
    with op.batch_alter_table('sync_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_conflict_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sync_conflict_facility_id'))

    op.drop_table('sync_conflict')
    with op.batch_alter_table('rental', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rental_unit_id'))
        batch_op.drop_index(batch_op.f('ix_rental_person_id'))
        batch_op.drop_index(batch_op.f('ix_rental_ended_at'))

    op.drop_table('rental')
    with op.batch_alter_table('door', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_door_unit_id'))
        batch_op.drop_index(batch_op.f('ix_door_facility_id'))

    op.drop_table('door')
    with op.batch_alter_table('auction_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_grant_unit_id'))
        batch_op.drop_index(batch_op.f('ix_auction_grant_person_id'))

    op.drop_table('auction_grant')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_state'))
        batch_op.drop_index(batch_op.f('ix_unit_facility_id'))

    op.drop_table('unit')
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignment_role_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignment_person_id'))

    op.drop_table('role_assignment')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_subject'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('access_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_group_facility_id'))

    op.drop_table('access_group')
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_company_id'))

    op.drop_table('role')
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_company_id'))

    op.drop_table('facility')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_mobile'))

    op.drop_table('person')
    op.drop_table('company')
