"""The access decision point: who may open which door now, decided by the policy and logged."""

from engine.access._classify import classify
from engine.access._decision_row import DECISION_BINDING, DECISION_KIND, DecisionRow
from engine.access._facts import SiteFacts, UnitFacts
from engine.access._hours import local_date, within_hours
from engine.access._membership import (
    RELATION_ORDER,
    person_facilities,
    person_in_company,
    related_units,
)
from engine.access._passback import ANTI_PASSBACK_RULE, passback_denial
from engine.access._point import (
    UNLOCK_VALIDITY,
    AccessOutcome,
    AccessPoint,
    Evaluation,
    choose,
    request_attributes,
)
from engine.access._recorder import DecisionRecorder, write_decisions
from engine.access._relations import Candidate, candidates
from engine.access._scope import (
    Caller,
    company_door,
    company_door_for,
    company_facility,
    company_unit,
    company_wide_permissions,
    permissions_anywhere,
    permissions_at,
    require_permission,
)
from engine.access._serves import doors_of_unit, serves

__all__ = [
    "ANTI_PASSBACK_RULE",
    "DECISION_BINDING",
    "DECISION_KIND",
    "RELATION_ORDER",
    "UNLOCK_VALIDITY",
    "AccessOutcome",
    "AccessPoint",
    "Caller",
    "Candidate",
    "DecisionRecorder",
    "DecisionRow",
    "Evaluation",
    "SiteFacts",
    "UnitFacts",
    "candidates",
    "choose",
    "classify",
    "company_door",
    "company_door_for",
    "company_facility",
    "company_unit",
    "company_wide_permissions",
    "doors_of_unit",
    "local_date",
    "passback_denial",
    "permissions_anywhere",
    "permissions_at",
    "person_facilities",
    "person_in_company",
    "related_units",
    "request_attributes",
    "require_permission",
    "serves",
    "within_hours",
    "write_decisions",
]
