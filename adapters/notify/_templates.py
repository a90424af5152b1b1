"""Message texts from Jinja2 templates: packaged defaults, overridden per deployment and per
company from a directory an operator edits (`<dir>/<file>`, `<dir>/<company id>/<file>`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)

from engine.notify import Channel

__all__ = ["Rendered", "Templates", "template_names"]


@dataclass(frozen=True)
class Rendered:
    """A message's text as sent: the SMS body, or the email's subject, text and HTML."""

    text: str
    subject: str | None = None
    html: str | None = None


def template_names(kind: str, channel: Channel) -> list[str]:
    """The files a message of `kind` over `channel` is made from."""
    if channel is Channel.SMS:
        return [f"{kind}.sms.txt"]
    if channel is Channel.WEBHOOK:
        return [f"{kind}.webhook.json"]
    return [f"{kind}.email.subject.txt", f"{kind}.email.txt", f"{kind}.email.html"]


class Templates:
    """One Jinja2 environment per company (its directory first, then the deployment's, then
    the packaged defaults); HTML is autoescaped and an unknown variable is an error."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        self._envs: dict[str | None, Environment] = {}
        self._lock = threading.Lock()

    def environment(self, company_id: str | None) -> Environment:
        """The environment for `company_id`'s messages (None: the deployment's)."""
        with self._lock:
            env = self._envs.get(company_id)
            if env is None:
                env = self._envs[company_id] = self._build(company_id)
            return env

    def _build(self, company_id: str | None) -> Environment:
        loaders: list[Any] = []
        if self.override_dir is not None:
            if company_id is not None:
                loaders.append(FileSystemLoader(self.override_dir / company_id))
            loaders.append(FileSystemLoader(self.override_dir))
        loaders.append(PackageLoader("adapters.notify", "templates"))
        return Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html"], default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            auto_reload=True,
        )

    def render(
        self, company_id: str | None, kind: str, channel: Channel, variables: dict[str, Any]
    ) -> Rendered:
        """The message of `kind` over `channel` with `variables`; a template naming a
        variable not given raises `jinja2.UndefinedError`."""
        env = self.environment(company_id)
        texts = [
            env.get_template(n).render(variables).strip() for n in template_names(kind, channel)
        ]
        if channel is not Channel.EMAIL:
            return Rendered(texts[0])
        subject, text, html = texts
        return Rendered(text, subject=" ".join(subject.split()), html=html)
