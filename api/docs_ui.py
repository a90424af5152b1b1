"""The interactive docs at `/docs`: Swagger UI, its files served by the service itself.

Facilities run on locked-down networks, so nothing of the page comes from off-host: the
script, stylesheet and icon are the static files of the pinned `swagger-ui-py` package,
served under `/docs/assets/` (public like `/docs`, see `api.auth.PUBLIC_PATHS`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

__all__ = ["DOCS_ASSETS_PATH", "docs_assets_router", "docs_render_plugin"]

DOCS_ASSETS_PATH = "/docs/assets"
"""Where the docs UI's script, stylesheet and icon are served."""


def _assets_directory() -> Path:
    # The package's own module imports jinja2 and its web-framework handlers, none of which
    # the service needs: find its directory without importing it.
    spec = importlib.util.find_spec("swagger_ui")
    # INVARIANT: swagger-ui-py is a pinned dependency of the distribution.
    assert spec is not None, "swagger-ui-py is not installed"
    assert spec.origin is not None
    return Path(spec.origin).parent / "static"


def docs_assets_router() -> Router:
    """`GET /docs/assets/{file}`: Swagger UI's static files, outside the OpenAPI document."""
    return create_static_files_router(
        path=DOCS_ASSETS_PATH,
        directories=[_assets_directory()],
        name="docs-assets",
        include_in_schema=False,
    )


def docs_render_plugin() -> SwaggerRenderPlugin:
    """Swagger UI at the docs root, loading only the service's own files."""
    return SwaggerRenderPlugin(
        js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{DOCS_ASSETS_PATH}/favicon-32x32.png'>",
        path="/",
    )
