"""CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), the frames' integrity check."""

from __future__ import annotations

import binascii

__all__ = ["crc16"]


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of `data` (`b"123456789"` → 0x29B1)."""
    # binascii's CRC-CCITT is the same non-reflected 0x1021 polynomial, seeded with our init
    return binascii.crc_hqx(data, 0xFFFF)
