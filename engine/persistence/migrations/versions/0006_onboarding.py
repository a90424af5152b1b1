"""Onboarding: facility keys and countries, unit buildings and floors, what entry doors serve,
unique lock refs per facility, removed units and doors, share labels, employee invitations.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02 20:39:54.148027
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import engine.persistence._types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('invitation',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('person_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_company_id'), ['company_id'], unique=False)

    op.create_table('door_scope',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('door_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('floor', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.ForeignKeyConstraint(['door_id'], ['door.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('door_scope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_door_scope_door_id'), ['door_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_door_scope_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('door', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_door_facility_lock', ['facility_id', 'lock_ref'], unique=True)

    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.create_index('ix_facility_company_key', ['company_id', 'key'], unique=True)

    with op.batch_alter_table('key_share', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grantee_label', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
    # A share that made the grantee's account named it with the tenant's words: keep those.
    # Other shares found an existing account whose name the tenant may not know: no label.
    op.execute(
        "UPDATE key_share SET grantee_label = (SELECT person.name FROM person"
        " WHERE person.id = key_share.grantee_id AND person.created_at = key_share.created_at)"
    )

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('floor', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('removed_at', engine.persistence._types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): batch mode would rebuild `unit`,
    # which other tables reference, and SQLite refuses to drop a referenced table.
    op.drop_column('unit', 'removed_at')
    op.drop_column('unit', 'floor')
    op.drop_column('unit', 'building')
    op.drop_column('key_share', 'grantee_label')
    op.drop_index('ix_facility_company_key', table_name='facility')
    op.drop_column('facility', 'country')
    op.drop_column('facility', 'key')
    op.drop_index('ix_door_facility_lock', table_name='door')
    op.drop_column('door', 'removed_at')
    op.drop_index(op.f('ix_door_scope_unit_id'), table_name='door_scope')
    op.drop_index(op.f('ix_door_scope_door_id'), table_name='door_scope')
    op.drop_table('door_scope')
    op.drop_index(op.f('ix_invitation_company_id'), table_name='invitation')
    op.drop_table('invitation')
