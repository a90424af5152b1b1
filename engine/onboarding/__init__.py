"""Onboarding: setting up and changing a company's sites and staff without code.

Audited site edits that never orphan a rented unit (facilities, units, entry points with
what they serve, locks), employee invitations, and the declarative site file that
`unitgate site apply` makes real.
"""

from engine.onboarding._context import Change, EditContext
from engine.onboarding._door_edits import edit_door, new_door, remove_door, set_lock
from engine.onboarding._facility_edits import (
    FACILITY_FIELDS,
    KEY_PATTERN,
    OPTIONAL_NOTIFICATIONS,
    add_facility,
    edit_facility,
    facility_label,
)
from engine.onboarding._invitations import (
    Accepted,
    Invited,
    accept_invitation,
    code_hash,
    invite,
)
from engine.onboarding._level_edits import (
    LevelSpec,
    delete_area,
    delete_level,
    delete_schedule,
    put_area,
    put_level,
    put_schedule,
)
from engine.onboarding._lock_edits import ensure_gateway, ensure_lock, find_gateway
from engine.onboarding._rented import is_rented
from engine.onboarding._scopes import Scope, describe_scopes, scopes_of
from engine.onboarding._site_apply import (
    MAX_SITE_FILE_BYTES,
    SiteFileError,
    apply_site,
    read_site_file,
)
from engine.onboarding._site_file import SiteApplied, apply_site_file
from engine.onboarding._site_schema import site_json_schema
from engine.onboarding._staff_edits import Placement, ensure_role, place_employee
from engine.onboarding._unit_edits import UNIT_FIELDS, edit_unit, new_unit, remove_unit, unit_door

__all__ = [
    "FACILITY_FIELDS",
    "KEY_PATTERN",
    "MAX_SITE_FILE_BYTES",
    "OPTIONAL_NOTIFICATIONS",
    "UNIT_FIELDS",
    "Accepted",
    "Change",
    "EditContext",
    "Invited",
    "LevelSpec",
    "Placement",
    "Scope",
    "SiteApplied",
    "SiteFileError",
    "accept_invitation",
    "add_facility",
    "apply_site",
    "apply_site_file",
    "code_hash",
    "delete_area",
    "delete_level",
    "delete_schedule",
    "describe_scopes",
    "edit_door",
    "edit_facility",
    "edit_unit",
    "ensure_gateway",
    "ensure_lock",
    "ensure_role",
    "facility_label",
    "find_gateway",
    "invite",
    "is_rented",
    "new_door",
    "new_unit",
    "place_employee",
    "put_area",
    "put_level",
    "put_schedule",
    "read_site_file",
    "remove_door",
    "remove_unit",
    "scopes_of",
    "set_lock",
    "site_json_schema",
    "unit_door",
]
