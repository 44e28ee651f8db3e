"""Atomic file writes, shared by the index sidecars, saved drafts and outlines, and the answer cache.

Data goes to a temporary file in the target's folder and is moved over the target with
``os.replace``, so a reader never sees a half-written file and an interrupted write leaves
the old file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from drafter.errors import InputError, OutputExistsError


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success move it over ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask (read by setting and restoring it, under a lock)."""
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_atomic(target: Path, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write text (UTF-8) or bytes to ``target`` atomically; returns the path.

    The file gets ``mode`` (default: what a new file gets under the umask, like any editor's
    files), not the 0600 of the temporary file it was written through.
    """
    target = Path(target)
    with atomic_path(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~current_umask())
    return target


def save_text(path: Path, data: str | bytes, *, force: bool = False) -> Path:
    """Save a file the user asked for (a plan, an outline): atomic, refuses to overwrite without ``force``."""

    path = Path(path).expanduser()
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name to write")
    if path.exists() and not force:
        raise OutputExistsError(
            f"{path} already exists: pass --force (force=True) to overwrite it, or choose another --out"
        )
    try:
        return write_atomic(path, data)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- files a user gives

MAX_USER_YAML_BYTES = 256_000


def _pure_no_aliases_loader():
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.constructor.ConstructorError(
                    None, None, "YAML aliases (*name) are not allowed here; write each value out", event.start_mark
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


def read_user_text(path: Path, what: str, *, max_bytes: int = MAX_USER_YAML_BYTES, hint: str = "") -> str:
    """The UTF-8 text of a file the user gave (an outline, a facts file): one-line errors for every failure."""

    p = Path(path).expanduser()
    try:
        if p.is_dir():
            raise InputError(f"{what} {str(p)!r} is a folder; give the file")
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"{what} {str(p)!r} is {size:,} bytes; it should be under {max_bytes:,}")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} {str(p)!r} not found" + (f"; {hint}" if hint else "")) from None
    except PermissionError:
        raise InputError(f"{what} {str(p)!r} cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{what} {str(p)!r} cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} {str(p)!r} is not UTF-8 text; save it as UTF-8") from None


def load_user_yaml(text: str, what: str, fix: str = "") -> object:
    """Parse YAML a user wrote, refusing aliases (no alias bombs); errors read ``{what}:{line}: problem; fix``."""
    import yaml

    try:
        return yaml.load(text, Loader=_pure_no_aliases_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        context = getattr(exc, "context_mark", None)
        if mark is not None and context is not None and mark.line >= len(text.rstrip("\n").splitlines()):
            mark = context  # the problem is "end of file": point at where the broken construct starts
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{what}{where}: {problem}" + (f"; {fix}" if fix else "")) from None
