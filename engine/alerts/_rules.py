"""Reading the alert rules file: YAML with line numbers, checked against the model; every
problem names its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from engine.alerts._model import AlertRule, AlertRulesFile
from engine.policy import (
    Located,
    PolicyError,
    PolicyIssue,
    SourceLocation,
    read_yaml,
    schema_document,
)

__all__ = [
    "AlertRules",
    "alert_rules_json_schema",
    "default_alert_rules_path",
    "load_alert_rules",
    "read_alert_rules",
    "read_rules_text",
]

_TAGS = frozenset(
    {
        "repeated_denials",
        "delinquent_attempt",
        "door_forced",
        "door_held_open",
        "lock_tampered",
        "lock_jammed",
        "battery_low",
    }
)
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class AlertRules:
    """The rules in force and the file they came from."""

    rules: tuple[AlertRule, ...]
    source: str
    version: str = ""
    """The file's content hash (set when read by `AlertRulesStore`)."""

    def of(self, *kinds: str) -> list[AlertRule]:
        """The rules watching one of `kinds`."""
        return [r for r in self.rules if r.when in kinds]


def default_alert_rules_path() -> Path:
    """`alerts/rules.yaml` of the checkout, or the copy shipped in the wheel."""
    checkout = _PACKAGE.parent.parent / "alerts" / "rules.yaml"
    return checkout if checkout.exists() else _PACKAGE / "_shipped" / "rules.yaml"


def _issue(located: Located, error: dict[str, object]) -> PolicyIssue:
    loc = tuple(p for p in error["loc"] if p not in _TAGS)  # type: ignore[attr-defined]
    kind = str(error["type"])
    where = located.location(loc, key=kind == "extra_forbidden")
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return PolicyIssue("error", "unknown-field", f"unknown field `{name}`", where)
    if kind == "missing":
        return PolicyIssue("error", "missing-field", f"missing field `{name}`", where)
    message = str(error["msg"]).lower()
    return PolicyIssue("error", kind.replace("_", "-"), f"`{name}`: {message}", where)


def read_alert_rules(text: str, file: str, *, version: str = "") -> AlertRules:
    """Parse and check an alert rules file; `PolicyError` lists every problem found."""
    located = read_yaml(text, file)
    if not isinstance(located.data, dict):
        where = located.location(())
        raise PolicyError(
            [PolicyIssue("error", "wrong-type", "the file must be a mapping of fields", where)]
        )
    try:
        spec = AlertRulesFile.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError([_issue(located, dict(e)) for e in exc.errors()]) from exc
    seen: set[str] = set()
    issues: list[PolicyIssue] = []
    for n, rule in enumerate(spec.rules):
        if rule.name in seen:
            where = located.location(("rules", n, "name"))
            issues.append(
                PolicyIssue("error", "duplicate-rule", f"rule `{rule.name}` is named twice", where)
            )
        seen.add(rule.name)
    if issues:
        raise PolicyError(issues)
    return AlertRules(tuple(spec.rules), file, version)


def read_rules_text(path: Path) -> str:
    """The text of the rules file at `path` (`PolicyError` naming it when unreadable)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        where = SourceLocation(str(path), 1, 1)
        message = f"cannot read `{path}`: {type(exc).__name__}"
        raise PolicyError([PolicyIssue("error", "unreadable", message, where)]) from exc


def load_alert_rules(path: Path) -> AlertRules:
    """The rules of the file at `path` (`PolicyError` naming file, line and field)."""
    return read_alert_rules(read_rules_text(path), str(path))


def alert_rules_json_schema() -> str:
    """`specs/alerts.schema.json`: editors validate `alerts/rules.yaml` against it."""
    return schema_document(AlertRulesFile, "unitgate alert rules file", "alerts.schema.json")
