"""Request bodies are JSON in UTF-8 (RFC 8259): anything else is a 400 problem, not a 500.

Litestar decodes every `JSONBody` through `Request.json()` (msgspec). msgspec raises
`UnicodeDecodeError` for bytes that are not UTF-8 (invalid, overlong, encoded surrogates)
and `RecursionError` for deep nesting, which reached clients as 500s; its own decode errors
became a 400 with a bare message. `JSONRequest`, the app's request class, turns each into
an `InvalidInputError` saying what is wrong, in the one place every route's body passes.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

from engine.errors import InvalidInputError

__all__ = ["JSONRequest", "refuse_foreign_charset"]

_UTF8 = frozenset({"utf-8", "utf8"})
_AS_UTF8 = "send JSON encoded as UTF-8 (`content-type: application/json`, no other charset)"


class JSONRequest(Request[Any, Any, Any]):
    """Litestar's request whose JSON body is UTF-8 and decodable, or an InvalidInputError."""

    async def json(self) -> Any:
        """The decoded body; InvalidInputError (400) for another charset or bad JSON."""
        refuse_foreign_charset(self)
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise _not_utf8(await self.body()) from None
        except RecursionError:
            raise InvalidInputError(
                "the body nests arrays or objects too deeply",
                help="request bodies of this API are JSON objects a few levels deep",
            ) from None
        except SerializationException as exc:
            reason = str(exc)
            raise InvalidInputError(
                f"the body is not valid JSON: {reason[:1].lower()}{reason[1:]}",
                help="send one JSON object (RFC 8259)",
            ) from None


def refuse_foreign_charset(request: Request[Any, Any, Any]) -> None:
    """InvalidInputError (400) when the body declares a charset other than UTF-8: JSON is
    UTF-8, and decoding it as such anyway would misread the declared text."""
    charset = request.content_type[1].get("charset")
    if charset is not None and charset.strip().strip('"').lower() not in _UTF8:
        raise InvalidInputError(f"the body's charset `{charset[:40]}` is not UTF-8", help=_AS_UTF8)


def _not_utf8(body: bytes) -> InvalidInputError:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f" at byte {exc.start}"
    else:  # msgspec refused what Python's codec takes: name no position
        where = ""
    return InvalidInputError(
        f"the body is not valid UTF-8{where}",
        help=f"{_AS_UTF8}; overlong forms and encoded surrogates are not UTF-8",
    )
