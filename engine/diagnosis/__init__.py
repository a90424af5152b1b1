"""The diagnosis of a tenant's access (seed 000's troubleshooting checklist, done by the
system): facts read once, pure checks in the checklist's order, the first failing one the
likely cause."""

from engine.diagnosis._diagnose import CHECKS, check_section, diagnose
from engine.diagnosis._facts import DoorAnswer, InboxItem, Places, SectionFacts, SyncFacts
from engine.diagnosis._lookup import find_tenant
from engine.diagnosis._model import Check, CheckStatus, Diagnosis, RentalDiagnosis
from engine.diagnosis._seen import APP_SEEN_EVERY, AppSeen
from engine.diagnosis._text import SYNC_BOUND, sync_lag

__all__ = [
    "APP_SEEN_EVERY",
    "CHECKS",
    "SYNC_BOUND",
    "AppSeen",
    "Check",
    "CheckStatus",
    "Diagnosis",
    "DoorAnswer",
    "InboxItem",
    "Places",
    "RentalDiagnosis",
    "SectionFacts",
    "SyncFacts",
    "check_section",
    "diagnose",
    "find_tenant",
    "sync_lag",
]
