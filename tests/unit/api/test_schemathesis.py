"""Schemathesis against the app's own OpenAPI document, authenticated as each role.

Every operation gets generated requests (random inputs, and path ids replaced by real
objects of the caller's company half of the time); no response may be a 5xx, and each must
match the status codes, content types and schemas the document declares.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api import bearer
from tests.unit.api.conftest import Companies

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 12


def _real_ids(companies: Companies) -> dict[str, list[str]]:
    a = companies.a
    return {
        "facility_id": [a.facility_id],
        "unit_id": list(a.units),
        "door_id": [a.gate_id, *(companies.lock(a, i) for i in range(3))],
        "share_id": ["missing-share"],
        "role_id": ["missing-role"],
    }


@pytest.mark.slow
@pytest.mark.parametrize("role", ["employee", "tenant", "shared_user"])
def test_no_server_errors_and_every_response_matches_the_document(
    companies: Companies, role: str
) -> None:
    a = companies.a
    who = "manager" if role == "employee" else "tenant"
    headers = companies.headers(a, who)
    if role == "shared_user":
        headers = bearer(companies.tenant(a), a.company_id, "shared_user")
    ids = _real_ids(companies)
    schema = schemathesis.openapi.from_asgi("/docs/openapi.json", companies.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        _fuzz(operation, headers, ids)


def _fuzz(operation: Any, headers: dict[str, str], ids: dict[str, list[str]]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), use_real=st.booleans(), pick=st.integers(0, 3))
    def run(case: Any, use_real: bool, pick: int) -> None:
        if use_real and case.path_parameters:
            for name in case.path_parameters:
                choices = ids.get(name)
                if choices:
                    case.path_parameters[name] = choices[pick % len(choices)]
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()
