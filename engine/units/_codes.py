"""One-time activation codes and temporary PINs: random, kept only as a salted hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["code_matches", "hash_code", "new_code"]

CODE_DIGITS = 6
_ITERATIONS = 20_000
"""PBKDF2 rounds: a guess costs ~10 ms offline; online guesses are bounded by attempts."""


def new_code() -> str:
    """A fresh random code of `CODE_DIGITS` digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str) -> str:
    """`code`'s salted PBKDF2-SHA256 hash as `pbkdf2_sha256$<rounds>$<salt>$<hash>`."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str | None) -> bool:
    """Whether `code` is the one `stored` (from `hash_code`) was made from; constant time."""
    if not stored:
        return False
    try:
        scheme, rounds, salt, digest = stored.split("$")
        expected = bytes.fromhex(digest)
        got = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return scheme == "pbkdf2_sha256" and hmac.compare_digest(got, expected)
