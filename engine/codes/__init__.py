"""Keypad PIN codes (seed 003): per-model code rules as data, the vendor lock-service port,
the reconciler from the store's desired codes to every lock's codes, and its upkeep (backup
pools, the daily health check, the operator's alarms, lag)."""

from engine.codes._alarms import raise_alarms
from engine.codes._apply import Applied, apply_plan
from engine.codes._audit import CODE_ACTOR, CODE_EVENT_KINDS, masked
from engine.codes._backup import PoolHealth, pool_health, upkeep_pools
from engine.codes._check import GSM7_BASIC, Violation, check_code, check_name, code_fits
from engine.codes._desired import Entitled, entitled_at_door
from engine.codes._duty import CodeDuty, CodeDutyConfig
from engine.codes._events import KEYPAD_POLICY_VERSION, KeypadEvents, land_keypad_events
from engine.codes._grant_edit import (
    GRANT_KINDS,
    TEMPORARY_MAX,
    GrantChange,
    GrantSpec,
    cancel_grant,
    change_grant,
    create_grant,
    holder_in_company,
)
from engine.codes._health import HealthResult, due_facilities, run_health_check
from engine.codes._lag import CodeLag, track_lag
from engine.codes._models_schema import CodeModelsFileSpec, code_models_json_schema
from engine.codes._operators import operator_emails
from engine.codes._pick import NoCodeFits, choose_code, common_length
from engine.codes._plan import Create, Delete, Held, LockPlan, Update, Want, plan_lock
from engine.codes._port import (
    AccessCode,
    CodeRejected,
    DeviceInfo,
    Issue,
    KeypadEvent,
    LockService,
    LockServiceDown,
)
from engine.codes._reconcile import ReconcileConfig, Reconciler
from engine.codes._report import LockReport, RoundReport
from engine.codes._retry import RETRIES_SAME_DAY, Retry, after_refusal
from engine.codes._rules import MODELS_PATH, CodeModel, load_models, model_named, shipped_models
from engine.codes._upkeep import Upkeep, UpkeepReport
from engine.codes._windows import GrantTiming, Window, lock_window

__all__ = [
    "CODE_ACTOR",
    "CODE_EVENT_KINDS",
    "GRANT_KINDS",
    "GSM7_BASIC",
    "KEYPAD_POLICY_VERSION",
    "MODELS_PATH",
    "RETRIES_SAME_DAY",
    "TEMPORARY_MAX",
    "AccessCode",
    "Applied",
    "CodeDuty",
    "CodeDutyConfig",
    "CodeLag",
    "CodeModel",
    "CodeModelsFileSpec",
    "CodeRejected",
    "Create",
    "Delete",
    "DeviceInfo",
    "Entitled",
    "GrantChange",
    "GrantSpec",
    "GrantTiming",
    "HealthResult",
    "Held",
    "Issue",
    "KeypadEvent",
    "KeypadEvents",
    "LockPlan",
    "LockReport",
    "LockService",
    "LockServiceDown",
    "NoCodeFits",
    "PoolHealth",
    "ReconcileConfig",
    "Reconciler",
    "Retry",
    "RoundReport",
    "Update",
    "Upkeep",
    "UpkeepReport",
    "Violation",
    "Want",
    "Window",
    "after_refusal",
    "apply_plan",
    "cancel_grant",
    "change_grant",
    "check_code",
    "check_name",
    "choose_code",
    "code_fits",
    "code_models_json_schema",
    "common_length",
    "create_grant",
    "due_facilities",
    "entitled_at_door",
    "holder_in_company",
    "land_keypad_events",
    "load_models",
    "lock_window",
    "masked",
    "model_named",
    "operator_emails",
    "plan_lock",
    "pool_health",
    "raise_alarms",
    "run_health_check",
    "shipped_models",
    "track_lag",
    "upkeep_pools",
]
