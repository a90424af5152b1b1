"""Keypad PIN codes (seed 003): per-model code rules as data, the vendor lock-service port,
and the reconciler from the store's desired codes to every lock's codes."""

from engine.codes._apply import Applied, apply_plan
from engine.codes._check import GSM7_BASIC, Violation, check_code, check_name, code_fits
from engine.codes._desired import Entitled, entitled_at_door
from engine.codes._duty import CodeDuty, CodeDutyConfig
from engine.codes._pick import NoCodeFits, choose_code, common_length
from engine.codes._plan import Create, Delete, Held, LockPlan, Update, Want, plan_lock
from engine.codes._port import (
    AccessCode,
    CodeRejected,
    DeviceInfo,
    Issue,
    LockService,
    LockServiceDown,
)
from engine.codes._reconcile import ReconcileConfig, Reconciler
from engine.codes._report import LockReport, RoundReport
from engine.codes._retry import RETRIES_SAME_DAY, Retry, after_refusal
from engine.codes._rules import MODELS_PATH, CodeModel, load_models, model_named, shipped_models

__all__ = [
    "GSM7_BASIC",
    "MODELS_PATH",
    "RETRIES_SAME_DAY",
    "AccessCode",
    "Applied",
    "CodeDuty",
    "CodeDutyConfig",
    "CodeModel",
    "CodeRejected",
    "Create",
    "Delete",
    "DeviceInfo",
    "Entitled",
    "Held",
    "Issue",
    "LockPlan",
    "LockReport",
    "LockService",
    "LockServiceDown",
    "NoCodeFits",
    "ReconcileConfig",
    "Reconciler",
    "Retry",
    "RoundReport",
    "Update",
    "Violation",
    "Want",
    "after_refusal",
    "apply_plan",
    "check_code",
    "check_name",
    "choose_code",
    "code_fits",
    "common_length",
    "entitled_at_door",
    "load_models",
    "model_named",
    "plan_lock",
    "shipped_models",
]
