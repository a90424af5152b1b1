"""Sites and people: provisioning companies, facilities, units, doors, people and roles."""

from engine.sites._provision import (
    add_door,
    add_person,
    add_unit,
    assign_role,
    create_company,
    create_facility,
    create_role,
    find_person,
    unit_lock_name,
)

__all__ = [
    "add_door",
    "add_person",
    "add_unit",
    "assign_role",
    "create_company",
    "create_facility",
    "create_role",
    "find_person",
    "unit_lock_name",
]
