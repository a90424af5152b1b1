"""Framing: `version u8 | kind u8 | length u16 | payload | crc16 u16`, little-endian."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hardware.protocol._codes import Kind
from hardware.protocol._crc import crc16

__all__ = [
    "HEADER",
    "MAX_NOTIFY_FRAME",
    "MAX_WRITE_FRAME",
    "VERSION",
    "Frame",
    "FrameError",
    "decode_frame",
    "encode_frame",
]

VERSION = 1
"""The protocol version every frame starts with."""
HEADER = struct.Struct("<BBH")
_CRC = struct.Struct("<H")
MAX_WRITE_FRAME = 512
"""Longest frame a phone or gateway writes (an ATT long write carries at most 512 bytes)."""
MAX_NOTIFY_FRAME = 244
"""Longest frame a lock notifies: one notification at the negotiated ATT MTU of 247."""


class FrameError(ValueError):
    """Bytes that are not one well-formed frame (CRC, length, version or kind)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: its kind and payload (the CRC checked)."""

    kind: Kind
    """What the payload holds."""
    payload: bytes
    """The bytes between header and CRC."""


def encode_frame(kind: Kind, payload: bytes) -> bytes:
    """The frame of `kind` around `payload`."""
    body = HEADER.pack(VERSION, kind, len(payload)) + payload
    return body + _CRC.pack(crc16(body))


def decode_frame(data: bytes) -> Frame:
    """Decode exactly one frame; `FrameError` names what is wrong."""
    if len(data) < HEADER.size + _CRC.size:
        raise FrameError(f"frame of {len(data)} bytes is shorter than header and crc")
    if len(data) > MAX_WRITE_FRAME:
        raise FrameError(f"frame of {len(data)} bytes is longer than {MAX_WRITE_FRAME}")
    version, kind, length = HEADER.unpack_from(data)
    if HEADER.size + length + _CRC.size != len(data):
        raise FrameError(f"length field says {length} payload bytes, frame holds another count")
    (crc,) = _CRC.unpack_from(data, len(data) - _CRC.size)
    if crc != crc16(data[: -_CRC.size]):
        raise FrameError("crc mismatch")
    if version != VERSION:
        raise FrameError(f"protocol version {version}, expected {VERSION}")
    try:
        known = Kind(kind)
    except ValueError:
        raise FrameError(f"unknown frame kind 0x{kind:02x}") from None
    return Frame(known, bytes(data[HEADER.size : -_CRC.size]))
