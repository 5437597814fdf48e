"""Edits of the company file from the web admin: checked before they apply, kept as history.

    history = CompanyHistory(Path("company.yaml"), data_dir / "company-history", clock)
    now = history.current()                         # Version: text, sha256, id
    problems = history.validate(text)               # the same findings as `frontdesk check`
    history.apply(text, "alice", now.sha256, "Sales opens at 8")   # StaleEdit | InvalidCompany
    history.versions(); history.text_of(3); history.diff(2, 3); history.rollback(2, "alice")

A candidate text is read by the loader's own `read_setup` under the real file's name, with
relative paths (flows file, music) starting at the real file's folder: exactly what
`attempt_load` does after reading the file, so the problems, their wording and their lines are
those `frontdesk check` prints, and nothing is written to check a text.

An edit is applied by writing a temporary file beside the company file, fsync, then
`os.replace` (and an fsync of the folder): the hot-reload watcher sees a whole new file (a new
inode), never half of one. The edit is refused, changing nothing, when the file's sha256 is not
the one the editor started from (optimistic locking) or when the text has an error.

History lives in `history_dir`: `versions/<id>.yaml` holds each version's exact bytes and
`index.jsonl` one JSON line per version (id, time, author, message, sha256, size, kind). It is
append-only: a rollback is a new version with the old text. When the file on disk is not the
last recorded version (it was edited by hand, or this is the first use), it is recorded first
as a version of kind `found`, so the text an edit replaces is always kept. Writers take an
exclusive `flock` on `history_dir/.lock`, so two processes (or threads) cannot interleave.

A crash between replacing the file and appending its index line leaves the new text on disk
unrecorded; the next write records it as `found` (its author is then lost, never its text).
A torn last index line (a crash while appending) is ignored and cut off by the next write.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from frontdesk import FrontdeskError
from frontdesk.clock import Clock
from frontdesk.config.loader import read_setup
from frontdesk.config.reader import ConfigError
from frontdesk.flows.errors import Problem, Severity

INDEX = "index.jsonl"
VERSIONS = "versions"
LOCK = ".lock"


class ConfigHistoryError(FrontdeskError):
    """An edit, rollback or look-up of the company file's history that cannot be done."""

    error_id: ClassVar[str] = "config_history"


class StaleEdit(ConfigHistoryError):
    """The company file changed since the editor loaded it; nothing was written."""

    error_id: ClassVar[str] = "stale_edit"


class InvalidCompany(ConfigHistoryError, ConfigError):
    """The text has errors (listed in `problems`, with the warnings); nothing was written."""

    error_id: ClassVar[str] = "invalid_company"


class UnknownVersion(ConfigHistoryError):
    error_id: ClassVar[str] = "unknown_version"


class VersionKind(enum.StrEnum):
    EDIT = "edit"  # applied through CompanyHistory.apply
    ROLLBACK = "rollback"  # the text of an earlier version, applied again
    FOUND = "found"  # on disk when history was next written: a hand edit, or the first use


@dataclass(frozen=True, slots=True)
class Version:
    """A text of the company file; `id` is its recorded version, None while unrecorded."""

    text: str
    sha256: str
    id: int | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    id: int
    at: float  # wall-clock seconds since the epoch
    author: str
    message: str
    sha256: str
    size: int  # bytes
    kind: VersionKind
    rollback_of: int | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CompanyHistory:
    """Validated edits, history and rollback of one company file; see the module docstring."""

    def __init__(self, path: Path, history_dir: Path, clock: Clock) -> None:
        self.path = path
        self.history_dir = history_dir
        self._clock = clock
        (history_dir / VERSIONS).mkdir(parents=True, exist_ok=True)

    # -- reading ----------------------------------------------------------------------------

    def current(self) -> Version:
        """The file as it is on disk now, with its version id when it is recorded."""
        data = self._read_file()
        sha = sha256_of(data)
        last = self._last()
        return Version(_decode(data), sha, last.id if last and last.sha256 == sha else None)

    def validate(self, text: str) -> list[Problem]:
        """Every error and warning about `text` as the company file, as `frontdesk check`
        words them (the real file's name and the text's lines)."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = text.count("\n", 0, exc.start) + 1
            return [Problem(str(self.path), line, "the text cannot be written as UTF-8")]
        return list(read_setup(text, str(self.path), self.path.parent).problems)

    def versions(self) -> list[VersionInfo]:
        """Every recorded version, oldest first."""
        return self._read_index()

    def text_of(self, version_id: int) -> str:
        self._info(version_id)
        return _decode(self._version_file(version_id).read_bytes())

    def diff(self, a: int, b: int) -> str:
        """A unified diff from version `a` to version `b` (empty when the texts are equal)."""
        old, new = self.text_of(a).splitlines(), self.text_of(b).splitlines()
        lines = difflib.unified_diff(
            old, new, fromfile=f"version {a}", tofile=f"version {b}", lineterm=""
        )
        return "".join(f"{line}\n" for line in lines)

    # -- writing ----------------------------------------------------------------------------

    def apply(self, text: str, author: str, expected_sha: str, message: str = "") -> Version:
        """Replaces the file with `text` if it is still at `expected_sha` and has no error."""
        return self._replace(text, author, message, VersionKind.EDIT, None, expected_sha)

    def rollback(self, version_id: int, author: str, expected_sha: str | None = None) -> Version:
        """Applies an earlier version's text again, as a new version. It is validated like an
        edit (the flows file may have changed since); `expected_sha` optionally guards it."""
        text = self.text_of(version_id)
        message = f"rollback to version {version_id}"
        return self._replace(text, author, message, VersionKind.ROLLBACK, version_id, expected_sha)

    def record_current(self) -> Version:
        """Records the file on disk if it is not the last recorded version (a hand edit)."""
        with self._locked():
            return self._catch_up(self._read_file())

    def _replace(
        self,
        text: str,
        author: str,
        message: str,
        kind: VersionKind,
        rollback_of: int | None,
        expected_sha: str | None,
    ) -> Version:
        problems = self.validate(text)
        if any(p.severity is Severity.ERROR for p in problems):
            raise InvalidCompany(problems)
        data = text.encode("utf-8")
        with self._locked():
            on_disk = self._read_file()
            if expected_sha is not None and sha256_of(on_disk) != expected_sha:
                raise StaleEdit(
                    f"{self.path} was changed since it was loaded for editing (it is now at "
                    f"{sha256_of(on_disk)[:12]}, the edit started from {expected_sha[:12]}); "
                    "reload it and make the edit again"
                )
            self._catch_up(on_disk)
            info = VersionInfo(
                self._next_id(), self._clock.wall(), author, message, sha256_of(data),
                len(data), kind, rollback_of,
            )  # fmt: skip
            _write_atomically(self._version_file(info.id), data)
            _write_atomically(self.path, data)
            self._append_index(info)
        return Version(text, info.sha256, info.id)

    def _catch_up(self, on_disk: bytes) -> Version:
        """Records `on_disk` as a `found` version unless it is the last recorded one."""
        sha = sha256_of(on_disk)
        last = self._last()
        if last is not None and last.sha256 == sha:
            return Version(_decode(on_disk), sha, last.id)
        info = VersionInfo(
            self._next_id(), self._clock.wall(), "", "found on disk", sha, len(on_disk),
            VersionKind.FOUND,
        )  # fmt: skip
        _write_atomically(self._version_file(info.id), on_disk)
        self._append_index(info)
        return Version(_decode(on_disk), sha, info.id)

    # -- files ------------------------------------------------------------------------------

    def _read_file(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ConfigHistoryError(f"cannot read {self.path}: {exc.strerror}") from None

    def _version_file(self, version_id: int) -> Path:
        return self.history_dir / VERSIONS / f"{version_id:06d}.yaml"

    def _info(self, version_id: int) -> VersionInfo:
        for info in self._read_index():
            if info.id == version_id:
                return info
        raise UnknownVersion(f"there is no version {version_id} of {self.path}")

    def _last(self) -> VersionInfo | None:
        index = self._read_index()
        return index[-1] if index else None

    def _next_id(self) -> int:
        last = self._last()
        return last.id + 1 if last else 1

    def _read_index(self) -> list[VersionInfo]:
        try:
            raw = (self.history_dir / INDEX).read_bytes()
        except FileNotFoundError:
            return []
        infos = []
        # Only whole lines count: a line without its newline was torn by a crash.
        for line in raw.split(b"\n")[:-1]:
            infos.append(_info_of(json.loads(line)))
        return infos

    def _append_index(self, info: VersionInfo) -> None:
        index = self.history_dir / INDEX
        raw = index.read_bytes() if index.exists() else b""
        whole = raw.rfind(b"\n") + 1
        with open(index, "ab") as out:
            if whole != len(raw):
                out.truncate(whole)  # a line torn by a crash goes before the next is added
            out.write(json.dumps(_record_of(info), ensure_ascii=False).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.history_dir / LOCK, "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigHistoryError("the company file is not UTF-8 text") from None


def _record_of(info: VersionInfo) -> dict[str, object]:
    return {
        "id": info.id, "at": info.at, "author": info.author, "message": info.message,
        "sha256": info.sha256, "size": info.size, "kind": str(info.kind),
        "rollback_of": info.rollback_of,
    }  # fmt: skip


def _info_of(record: dict[str, object]) -> VersionInfo:
    rollback_of = record.get("rollback_of")
    return VersionInfo(
        id=int(str(record["id"])),
        at=float(str(record["at"])),
        author=str(record["author"]),
        message=str(record["message"]),
        sha256=str(record["sha256"]),
        size=int(str(record["size"])),
        kind=VersionKind(str(record["kind"])),
        rollback_of=int(str(rollback_of)) if rollback_of is not None else None,
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Writes `data` to a temporary file beside `path`, fsyncs it, then renames it over
    `path`: readers see the old file or the new one, never a part."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            shutil.copymode(path, temp)  # mkstemp makes 0600; keep the file's own mode
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)
