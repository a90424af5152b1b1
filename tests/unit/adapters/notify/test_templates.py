"""Every packaged template renders with exactly its kind's contract variables; an operator's
directory overrides them per deployment and per company; HTML is escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from adapters.notify import Templates
from engine.notify import Channel, MessageKind
from tests.support.outbox import PAYLOADS, SHOWN


def _marker(kind: MessageKind) -> str:
    """A value of the payload every rendering of `kind` shows."""
    if kind is MessageKind.ALERT:
        return "7"
    return str(PAYLOADS[kind][SHOWN.get(kind, "unit_number")])


@pytest.mark.parametrize(("kind", "channel"), [(k, c) for k in MessageKind for c in k.channels])
def test_every_template_renders_with_its_contract_variables(
    kind: MessageKind, channel: Channel
) -> None:
    variables = {**PAYLOADS[kind], "code": "483920"}
    rendered = Templates().render(None, kind.value, channel, variables)
    assert _marker(kind) in rendered.text
    if channel is Channel.WEBHOOK:
        assert json.loads(rendered.text) == PAYLOADS[kind]["event"]
    if kind in (MessageKind.ACTIVATION, MessageKind.BACKUP_CODE):
        assert "483920" in rendered.text
        assert kind is MessageKind.BACKUP_CODE or PAYLOADS[kind]["app_link"] in rendered.text
    if channel is Channel.EMAIL:
        assert rendered.subject and "\n" not in rendered.subject
        assert rendered.html and rendered.html.startswith("<!doctype html>")
    else:
        assert rendered.html is None


@pytest.mark.parametrize("kind", list(MessageKind))
def test_a_template_needing_a_variable_not_given_fails_loudly(kind: MessageKind) -> None:
    variables = dict(PAYLOADS[kind])
    variables.pop("alert" if kind is MessageKind.ALERT else SHOWN.get(kind, "unit_number"))
    with pytest.raises(UndefinedError):
        Templates().render(None, kind.value, Channel.SMS, {**variables, "code": None})


def test_overrides_apply_per_company_then_per_deployment(tmp_path: Path) -> None:
    (tmp_path / "co-1").mkdir()
    (tmp_path / "co-1" / "access_changed.sms.txt").write_text("Bolt: {{ summary }}")
    (tmp_path / "access_changed.sms.txt").write_text("Everyone: {{ summary }}")
    templates = Templates(tmp_path)
    variables = PAYLOADS[MessageKind.ACCESS_CHANGED]
    mine = templates.render("co-1", "access_changed", Channel.SMS, variables)
    other = templates.render("co-2", "access_changed", Channel.SMS, variables)
    assert mine.text.startswith("Bolt: Gate access")
    assert other.text.startswith("Everyone: Gate access")
    packaged = templates.render(
        "co-2", "share_first_used", Channel.SMS, PAYLOADS[MessageKind.SHARE_FIRST_USED]
    )
    assert "Bob" in packaged.text


def test_html_escapes_variables_and_text_does_not() -> None:
    variables = {**PAYLOADS[MessageKind.ACCESS_CHANGED], "tenant_name": "<b>Eve</b> & co"}
    rendered = Templates().render(None, "access_changed", Channel.EMAIL, variables)
    assert rendered.html is not None and "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in rendered.html
    assert "<b>Eve</b> & co" in rendered.text
