"""`unitgate locks`: keygen output locks can trust, and bad `--trust` values named."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli import cli
from hardware.protocol import PublicKey, SecretKey


def test_keygen_prints_a_key_pair_that_belongs_together() -> None:
    out = CliRunner().invoke(cli, ["locks", "keygen", "--key-id", "4"])
    assert out.exit_code == 0, out.output
    key = json.loads(out.output)
    assert key["key_id"] == 4
    assert SecretKey(bytes.fromhex(key["seed"])).public == PublicKey(bytes.fromhex(key["public"]))


def test_a_bad_trust_value_is_named() -> None:
    out = CliRunner().invoke(cli, ["locks", "gateway", "--trust", "1:nothex"])
    assert out.exit_code == 2
    assert "`1:nothex` is not KEY_ID:PUBLIC_HEX" in out.output
    assert "--trust" in out.output
