"""The access policy language: load, validate, compile, evaluate, verify, diff, export.

Policies are YAML files of `permit`/`forbid` rules over a finite request space (see
`specs/policy-language.md`). Deny by default, any matching forbid wins. A policy compiles
to a complete decision table, so a decision is one lookup and every invariant in
`specs/invariants.yaml` is proven over every possible request.
"""

from engine.policy._cedar import CedarExport, export_cedar
from engine.policy._compiler import CompiledPolicy, Explanation, compile_policy
from engine.policy._cover import cover, render_row
from engine.policy._diff import DiffRow, PolicyDiff, diff_policies
from engine.policy._errors import PolicyError, PolicyIssue, PolicyRejected, SourceLocation
from engine.policy._files import is_policy_file_name, policy_files, read_policy_file
from engine.policy._loader import load_policy, load_policy_files, parse_model
from engine.policy._paths import default_invariants_path, default_policy_path
from engine.policy._prepare import (
    PreparedPolicy,
    describe_failure,
    prepare_policy,
)
from engine.policy._reach import CONSTRAINTS, reachability
from engine.policy._reference import ReferenceResult, reference_decide
from engine.policy._request import AccessRequest, Decision
from engine.policy._schema import invariants_json_schema, policy_json_schema, schema_document
from engine.policy._source import Parameter, PolicySource, Rule
from engine.policy._space import ACCESS_PERMISSIONS, DISPLAY_ORDER, NO_UNIT, SPACE
from engine.policy._store import PolicyEvent, PolicyStore, ReloadStatus
from engine.policy._validator import validate_policy
from engine.policy._verifier import (
    Counterexample,
    Invariant,
    InvariantResult,
    VerifyReport,
    load_invariants,
    verify_policy,
)
from engine.policy._yaml import Located, read_yaml

__all__ = [
    "ACCESS_PERMISSIONS",
    "CONSTRAINTS",
    "DISPLAY_ORDER",
    "NO_UNIT",
    "SPACE",
    "AccessRequest",
    "CedarExport",
    "CompiledPolicy",
    "Counterexample",
    "Decision",
    "DiffRow",
    "Explanation",
    "Invariant",
    "InvariantResult",
    "Located",
    "Parameter",
    "PolicyDiff",
    "PolicyError",
    "PolicyEvent",
    "PolicyIssue",
    "PolicyRejected",
    "PolicySource",
    "PolicyStore",
    "PreparedPolicy",
    "ReferenceResult",
    "ReloadStatus",
    "Rule",
    "SourceLocation",
    "VerifyReport",
    "compile_policy",
    "cover",
    "default_invariants_path",
    "default_policy_path",
    "describe_failure",
    "diff_policies",
    "export_cedar",
    "invariants_json_schema",
    "is_policy_file_name",
    "load_invariants",
    "load_policy",
    "load_policy_files",
    "parse_model",
    "policy_files",
    "policy_json_schema",
    "prepare_policy",
    "reachability",
    "read_policy_file",
    "read_yaml",
    "reference_decide",
    "render_row",
    "schema_document",
    "validate_policy",
    "verify_policy",
]
