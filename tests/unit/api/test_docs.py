"""The docs page and every file it loads come from the service itself, without a token
(facilities run on locked-down networks: a CDN script was a blank page there)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from litestar import Litestar
from litestar.testing import TestClient

_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


class _References(HTMLParser):
    """Every URL an HTML page makes the browser load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") and value:
                self.urls.append(value)


def _references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    return parser.urls


def test_docs_load_only_files_the_service_serves(client: TestClient[Litestar]) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = _references(page.text)
    assert len(urls) >= 4, urls  # stylesheet, two scripts, icon
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"`{url}` is off-host"
        asset = client.get(urljoin("http://testserver.local/docs", url))
        assert asset.status_code == 200, f"{url}: {asset.status_code}"
        assert asset.content, url
        if url.endswith(".css"):
            for ref in _CSS_URL.findall(asset.text):
                assert ref.startswith("data:") or not urlsplit(ref).netloc, f"{url} loads {ref}"
    assert any(u.endswith(".js") for u in urls)
    assert any(u.endswith(".css") for u in urls)


def test_docs_assets_need_no_token_and_stay_out_of_the_document(
    client: TestClient[Litestar],
) -> None:
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    missing = client.get("/docs/assets/no-such-file.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert client.get("/docs/assets/%2e%2e/%2e%2e/api/app.py").status_code == 404
    spec = client.get("/docs/openapi.json").json()
    assert not [p for p in spec["paths"] if p.startswith("/docs")]
