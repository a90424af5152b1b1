"""Which files make a policy, and reading them so that any unreadable one is a `PolicyError`.

A policy directory holds its `*.yaml` (or `*.yml`) files; names starting with `.`, `#` or
`~` are ignored, as editors' lock, swap and backup files and hidden files are named that way
(`.#tenants.yaml`, `.tenants.yaml.swp`, `~$tenants.yaml`; `tenants.yaml~` and `*.bak` do not
end in `.yaml`). Anything else so named that cannot be read as UTF-8 text — a directory, a
broken symbolic link, a FIFO, an unreadable file, one that vanishes while being read — is
refused naming the file, like any invalid policy, never raised as an `OSError`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from engine.policy._errors import PolicyError, PolicyIssue, SourceLocation
from engine.policy._yaml import MAX_FILE_BYTES

__all__ = ["is_policy_file_name", "policy_files", "read_policy_file"]

POLICY_SUFFIXES = (".yaml", ".yml")
IGNORED_PREFIXES = (".", "#", "~")

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def is_policy_file_name(name: str) -> bool:
    """True for `*.yaml`/`*.yml` names not starting with `.`, `#` or `~` (editor files)."""
    return name.endswith(POLICY_SUFFIXES) and not name.startswith(IGNORED_PREFIXES)


def _issue(
    shown: str, code: str, message: str, help: str, line: int = 1, column: int = 1
) -> PolicyError:
    return PolicyError(
        [PolicyIssue("error", code, message, SourceLocation(shown, line, column), help)]
    )


def _open_error(path: Path, shown: str, exc: OSError) -> PolicyError:
    if isinstance(exc, FileNotFoundError) and path.is_symlink():
        return _issue(
            shown, "not-a-file", f"a symbolic link to nothing (`{os.readlink(path)}`)",
            "point the link at a policy file or delete it",
        )  # fmt: skip
    if isinstance(exc, FileNotFoundError):
        return _issue(
            shown, "vanished", "the file vanished while the policy was read",
            "deploy a policy by renaming complete files or a complete directory into place",
        )  # fmt: skip
    if exc.errno == errno.ELOOP:
        return _issue(
            shown, "not-a-file", "a loop of symbolic links", "point the link at a policy file"
        )
    reason = (exc.strerror or type(exc).__name__).lower()
    return _issue(
        shown, "unreadable", f"cannot read the file: {reason}",
        "the service reads the policy with its own user; give it read permission",
    )  # fmt: skip


def read_policy_file(path: Path, shown: str | None = None) -> str:
    """The UTF-8 text of one policy or invariants file; `PolicyError` naming it otherwise."""
    shown = shown or str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then tells what it is.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _open_error(path, shown, exc) from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            with os.fdopen(fd, "rb") as handle:  # closes fd
                data = handle.read(MAX_FILE_BYTES + 1)
        else:
            os.close(fd)
    except OSError as exc:
        raise _open_error(path, shown, exc) from exc
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise _issue(
            shown, "not-a-file", f"{kind} named like a policy file",
            "a policy file is a regular `*.yaml` file; rename or remove this one",
        )  # fmt: skip
    if len(data) > MAX_FILE_BYTES:
        raise _issue(
            shown, "file-too-large", f"file is over the limit of {MAX_FILE_BYTES} bytes",
            "split the policy into several files in one directory",
        )  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise _issue(
            shown, "not-utf8", f"not utf-8 text: byte `0x{data[exc.start]:02x}`",
            "save the file as UTF-8", line, column,
        ) from exc  # fmt: skip


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it (shorter messages).

    Only the directory is resolved: a file is named as it is listed, even when it is a
    symbolic link (a broken one has no other name).
    """
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def _listed(directory: Path) -> list[Path]:
    try:
        names = sorted(p.name for p in directory.iterdir())
    except OSError as exc:
        raise _issue(
            str(directory), "unreadable",
            f"cannot list the policy directory: {(exc.strerror or type(exc).__name__).lower()}",
            "the service reads the policy with its own user; give it read permission",
        ) from exc  # fmt: skip
    paths = [directory / name for name in names if is_policy_file_name(name)]
    if not paths:
        raise _issue(
            str(directory), "no-files", f"no policy files in `{directory}`",
            "a policy directory holds `*.yaml` files",
        )  # fmt: skip
    return paths


def policy_files(path: Path) -> dict[str, str]:
    """`{name: text}` of a policy file, or of every policy file of a directory (sorted).

    Raises `PolicyError` listing every file that cannot be read, each named.
    """
    if path.is_dir():
        paths = _listed(path)
    elif path.is_file():
        paths = [path]
    else:
        raise PolicyError(
            [
                PolicyIssue(
                    "error", "not-found", f"no policy at `{path}`", None, "give a file or directory"
                )
            ]
        )
    texts: dict[str, str] = {}
    issues: list[PolicyIssue] = []
    for p in paths:
        shown = _shown(p)
        try:
            texts[shown] = read_policy_file(p, shown)
        except PolicyError as exc:
            issues.extend(exc.issues)
    if issues:
        raise PolicyError(issues)
    return texts
