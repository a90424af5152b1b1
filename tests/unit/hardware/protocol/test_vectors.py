"""specs/lock-protocol-vectors.json: current with the code, and the code's bytes match the
layouts of specs/lock-protocol.md rebuilt here by hand."""

from __future__ import annotations

import json
import struct
from uuid import UUID

import pytest
from click.testing import CliRunner
from nacl import bindings

from api.cli import cli
from hardware.protocol import (
    Complete,
    ErrorCode,
    ErrorReport,
    LockIdentity,
    PublicKey,
    SecretKey,
    decode_reply,
)
from hardware.vectors import VECTORS_PATH, build_vectors, render_vectors


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def test_the_file_is_what_the_code_generates() -> None:
    assert VECTORS_PATH.read_text(encoding="utf-8") == render_vectors(), (
        "specs/lock-protocol-vectors.json is stale: run `unitgate locks vectors`"
    )


def test_the_check_command_fails_on_a_stale_file(tmp_path) -> None:
    stale = tmp_path / "v.json"
    stale.write_text(render_vectors().replace('"lock_time"', '"lock_tim"'), encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(cli, ["locks", "vectors", "--check", "--output", str(stale)])
    assert bad.exit_code == 1
    assert "stale" in bad.output
    runner.invoke(cli, ["locks", "vectors", "--output", str(stale)])
    good = runner.invoke(cli, ["locks", "vectors", "--check", "--output", str(stale)])
    assert good.exit_code == 0


def _crc(data: bytes) -> int:
    """CRC-16/CCITT-FALSE bit by bit, as the spec defines it (not the code's binascii)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _frame(kind: int, payload: bytes) -> bytes:
    body = struct.pack("<BBH", 1, kind, len(payload)) + payload
    return body + struct.pack("<H", _crc(body))


def test_crc_vector(vectors: dict) -> None:
    assert vectors["crc16_ccitt_false"] == {"input": b"123456789".hex(), "crc": "29b1"}
    assert _crc(b"123456789") == 0x29B1


def test_command_frame_byte_for_byte_from_the_spec(vectors: dict) -> None:
    c = vectors["command"]
    seed = bytes.fromhex(vectors["keys"]["facility"]["seed"])
    _, secret = bindings.crypto_sign_seed_keypair(seed)
    body = struct.pack(
        "<I16sB16sII16s",
        vectors["keys"]["facility"]["key_id"],
        UUID(c["lock_id"]).bytes,
        c["action"],
        bytes.fromhex(c["challenge"]),
        c["not_before"],
        c["not_after"],
        UUID(c["command_id"]).bytes,
    )
    signature = bindings.crypto_sign(b"unitgate/lock/v1/command\x00" + body, secret)[:64]
    assert _frame(0x02, body + signature).hex() == c["frame"]
    assert vectors["exchanges"]["unlock"]["request"] == c["frame"]


def test_challenge_and_replies_decode_and_carry_the_locks_signature(vectors: dict) -> None:
    lock = LockIdentity(
        UUID(vectors["lock_id"]), PublicKey(bytes.fromhex(vectors["keys"]["lock"]["public"]))
    )
    assert SecretKey(bytes.fromhex(vectors["keys"]["lock"]["seed"])).public == lock.public
    challenge = bytes.fromhex(vectors["exchanges"]["challenge"]["replies"][0])
    nonce = bytes.fromhex(vectors["command"]["challenge"])
    payload = UUID(vectors["lock_id"]).bytes + nonce + struct.pack("<IH", vectors["lock_time"], 30)
    assert challenge == _frame(0x81, payload)
    accepted, complete = (bytes.fromhex(r) for r in vectors["exchanges"]["unlock"]["replies"])
    assert accepted == _frame(0x82, UUID(vectors["command"]["command_id"]).bytes)
    done = decode_reply(complete)
    assert isinstance(done, Complete)
    assert lock.check(done).command_id == UUID(vectors["command"]["command_id"])
    codes = {
        "replayed": ErrorCode.REPLAYED,
        "wrong_lock": ErrorCode.WRONG_LOCK,
        "expired": ErrorCode.EXPIRED,
        "malformed": ErrorCode.MALFORMED,
    }
    for name, code in codes.items():
        (reply,) = vectors["exchanges"][name]["replies"]
        report = decode_reply(bytes.fromhex(reply))
        assert isinstance(report, ErrorReport)
        assert lock.check(report).code is code, name
    assert vectors["error_codes"]["not_authorised"] == 1
    assert vectors["error_codes"]["low_voltage"] == 10


def test_the_vectors_are_deterministic() -> None:
    assert build_vectors() == build_vectors()
