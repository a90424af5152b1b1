"""Alerts: rules as data over access decisions and lock events, one alert per incident,
delivered through the outbox; and who is on site from the gates' entries and exits."""

from engine.alerts._actions import (
    ALERT_ACKNOWLEDGED,
    ALERT_RESOLVED,
    acknowledge_alert,
    resolve_alert,
)
from engine.alerts._detect import Detection
from engine.alerts._evaluator import AlertConfig, AlertDuty, AlertEvaluator
from engine.alerts._listen import AlertListener
from engine.alerts._model import AlertRule, AlertRulesFile
from engine.alerts._on_site import OnSite, on_site
from engine.alerts._raise import OPEN_STATUSES, Incidents, alert_json
from engine.alerts._rules import (
    AlertRules,
    alert_rules_json_schema,
    default_alert_rules_path,
    load_alert_rules,
    read_alert_rules,
)
from engine.alerts._rules_store import AlertRulesStore

__all__ = [
    "ALERT_ACKNOWLEDGED",
    "ALERT_RESOLVED",
    "OPEN_STATUSES",
    "AlertConfig",
    "AlertDuty",
    "AlertEvaluator",
    "AlertListener",
    "AlertRule",
    "AlertRules",
    "AlertRulesFile",
    "AlertRulesStore",
    "Detection",
    "Incidents",
    "OnSite",
    "acknowledge_alert",
    "alert_json",
    "alert_rules_json_schema",
    "default_alert_rules_path",
    "load_alert_rules",
    "on_site",
    "read_alert_rules",
    "resolve_alert",
]
