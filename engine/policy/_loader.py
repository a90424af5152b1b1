"""Load a policy from its YAML files: parse, check the format, merge, link parameters."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.domain import DenialReason
from engine.policy._boxes import Matcher
from engine.policy._errors import PolicyError, PolicyIssue, SourceLocation
from engine.policy._files import policy_files
from engine.policy._model import Conditions, PolicyFileSpec
from engine.policy._resolve import ParameterValue, ResolveError, conditions_box
from engine.policy._source import DEFAULT_DENY_REASON, Parameter, PolicySource, Rule
from engine.policy._yaml import Located, dotted, read_yaml

__all__ = [
    "load_policy",
    "load_policy_files",
    "parse_model",
    "policy_version",
]

M = TypeVar("M", bound=BaseModel)


def load_policy(
    path: Path | str, *, parameters: Mapping[str, ParameterValue] | None = None
) -> PolicySource:
    """Load the policy at `path` (file or directory); `parameters` override file values."""
    path = Path(path)
    return load_policy_files(policy_files(path), origin=str(path), parameters=parameters)


def _issue_from_error(
    error: Mapping[str, Any], located: Located, base: tuple[Any, ...]
) -> PolicyIssue:
    loc = (*base, *error["loc"])
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if isinstance(given, dict) and "not" in given:
        loc, given = (*loc, "not"), given["not"]
    if isinstance(ctx.get("index"), int) and isinstance(given, list):
        loc = (*loc, ctx["index"])
    kind = error["type"]
    where = located.location(loc, key=kind == "extra_forbidden")
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        inside_conditions = len(loc) >= 2 and (
            loc[-2] in ("when", "unless") or (len(loc) >= 3 and loc[-3] == "allow_only_if")
        )
        if inside_conditions:
            known = ", ".join(Conditions.model_fields)
            return PolicyIssue(
                "error",
                "unknown-attribute",
                f"unknown attribute `{name}`",
                where,
                f"attributes: {known}",
            )
        return PolicyIssue("error", "unknown-field", f"unknown field `{name}`", where, None)
    if kind == "missing":
        return PolicyIssue("error", "missing-field", f"missing field `{name}`", where, None)
    if "help" in ctx:
        return PolicyIssue("error", kind, error["msg"], where, ctx["help"])
    got = error.get("input")
    message = f"`{dotted(loc)}`: {str(error['msg'])[:1].lower()}{str(error['msg'])[1:]}"
    if not isinstance(got, dict | list):
        message += f", got `{got!r}`"
    return PolicyIssue("error", "wrong-type", message, where, None)


def parse_model(model: type[M], located: Located) -> M:
    """Validate parsed YAML against `model`, reporting each error at its line."""
    if not isinstance(located.data, dict):
        raise PolicyError(
            [
                PolicyIssue(
                    "error",
                    "wrong-type",
                    "the file must be a mapping of fields",
                    located.location(()),
                    f"fields: {', '.join(model.model_fields)}",
                )
            ]
        )
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError([_issue_from_error(e, located, ()) for e in exc.errors()]) from exc


def policy_version(files: Mapping[str, str], overrides: Mapping[str, ParameterValue]) -> str:
    """The content hash identifying a policy: its files (by base name) and parameter values."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(Path(name).name.encode() + b"\0" + files[name].encode() + b"\0")
    digest.update(json.dumps(dict(sorted(overrides.items())), sort_keys=True).encode())
    return "sha256:" + digest.hexdigest()[:24]


class _Linker:
    """Collects issues while merging the files of one policy."""

    def __init__(self) -> None:
        self.issues: list[PolicyIssue] = []

    def error(
        self, code: str, message: str, where: SourceLocation | None, help: str | None
    ) -> None:
        self.issues.append(PolicyIssue("error", code, message, where, help))


def _rule(
    spec: Any, index: int, located: Located, params: Mapping[str, ParameterValue], linker: _Linker
) -> Rule | None:
    base: tuple[str | int, ...] = ("rules", index)
    where = located.location(base)
    enabled_by = spec.enabled if isinstance(spec.enabled, str) else None
    enabled = spec.enabled
    if enabled_by is not None:
        value = params.get(enabled_by[1:])
        if not isinstance(value, bool):
            linker.error(
                "unknown-parameter" if value is None else "parameter-type",
                f"`enabled: {enabled_by}` needs a true/false parameter",
                located.location((*base, "enabled")),
                f"define `{enabled_by[1:]}` under `parameters:` with `value: true` or `false`",
            )
            return None
        enabled = value
    if spec.effect == "forbid" and spec.reason is None:
        linker.error(
            "missing-reason",
            f"forbid rule `{spec.id}` has no `reason`",
            where,
            "a forbid must tell the person at the door why and what to do",
        )
    if spec.effect == "forbid" and spec.code is None:
        linker.error(
            "missing-code",
            f"forbid rule `{spec.id}` has no `code`",
            located.location((*base, "code")),
            f"one of: {', '.join(DenialReason)}",
        )
    if spec.effect == "permit" and spec.code is not None:
        linker.error(
            "permit-with-code",
            f"permit rule `{spec.id}` has a `code`",
            located.location((*base, "code")),
            "only a forbid classifies a denial; remove `code`",
        )
    try:
        when = conditions_box(spec.when, params, lambda a: located.location((*base, "when", a)))
        unless = (
            conditions_box(spec.unless, params, lambda a: located.location((*base, "unless", a)))
            if spec.unless is not None
            else None
        )
    except ResolveError as exc:
        linker.issues.append(exc.issue)
        return None
    return Rule(
        id=spec.id,
        effect=spec.effect,
        description=" ".join(spec.description.split()),
        reason=" ".join(spec.reason.split()) if spec.reason else None,
        location=where,
        when=spec.when,
        unless=spec.unless,
        enabled=bool(enabled),
        enabled_by=enabled_by,
        matcher=Matcher(when, unless) if enabled else None,
        code=spec.code if spec.effect == "forbid" else None,
    )


def load_policy_files(
    files: Mapping[str, str],
    *,
    origin: str = "<memory>",
    parameters: Mapping[str, ParameterValue] | None = None,
) -> PolicySource:
    """Load a policy from `{file name: text}`; raise `PolicyError` listing every error."""
    overrides = dict(parameters or {})
    parsed: list[tuple[Located, PolicyFileSpec]] = []
    errors: list[PolicyIssue] = []
    for name, text in files.items():
        try:
            located = read_yaml(text, name)
            parsed.append((located, parse_model(PolicyFileSpec, located)))
        except PolicyError as exc:
            errors.extend(exc.issues)
    if errors:
        raise PolicyError(errors)

    linker = _Linker()
    params: dict[str, Parameter] = {}
    deny_reason: tuple[str, SourceLocation] | None = None
    for located, spec in parsed:
        for name, p in spec.parameters.items():
            where = located.location(("parameters", name))
            if name in params:
                linker.error(
                    "duplicate-parameter",
                    f"parameter `{name}` is defined twice",
                    where,
                    f"first defined at {params[name].location}",
                )
                continue
            value = overrides.get(name, p.value)
            params[name] = Parameter(name, value, p.value, " ".join(p.description.split()), where)
        if spec.deny_reason is not None:
            where = located.location(("deny_reason",))
            if deny_reason is not None:
                linker.error(
                    "duplicate-deny-reason",
                    "`deny_reason` is set in two files",
                    where,
                    f"first set at {deny_reason[1]}",
                )
            else:
                deny_reason = (spec.deny_reason, where)
    for name, value in overrides.items():
        if name not in params:
            known = ", ".join(sorted(params)) or "none"
            linker.error(
                "unknown-parameter",
                f"cannot set unknown parameter `{name}`",
                None,
                f"parameters: {known}",
            )
        elif type(value) is not type(params[name].file_value):
            linker.error(
                "parameter-type",
                f"parameter `{name}` takes a value like `{params[name].file_value!r}`",
                None,
                None,
            )

    values = {name: p.value for name, p in params.items()}
    rules: list[Rule] = []
    seen: dict[str, SourceLocation] = {}
    for located, spec in parsed:
        for index, rule_spec in enumerate(spec.rules):
            where = located.location(("rules", index, "id"))
            if rule_spec.id in seen:
                linker.error(
                    "duplicate-rule-id",
                    f"rule id `{rule_spec.id}` is used twice",
                    where,
                    f"first used at {seen[rule_spec.id]}",
                )
                continue
            seen[rule_spec.id] = where
            rule = _rule(rule_spec, index, located, values, linker)
            if rule is not None:
                rules.append(rule)
    if linker.issues:
        raise PolicyError(linker.issues)
    return PolicySource(
        origin=origin,
        files=tuple(
            (name, hashlib.sha256(text.encode()).hexdigest()) for name, text in files.items()
        ),
        rules=tuple(rules),
        parameters=tuple(params.values()),
        deny_reason=" ".join(deny_reason[0].split()) if deny_reason else DEFAULT_DENY_REASON,
        version=policy_version(files, overrides),
    )
