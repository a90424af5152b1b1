"""The JSON Schema of site files (committed as `specs/site.schema.json`)."""

from __future__ import annotations

from engine.onboarding._site_model import SiteFileSpec
from engine.policy import schema_document

__all__ = ["site_json_schema"]


def site_json_schema() -> str:
    """`specs/site.schema.json`: editors validate site files against it."""
    return schema_document(SiteFileSpec, "unitgate site file", "site.schema.json")
