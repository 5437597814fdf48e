"""Hot reload of the company file: notices edits, and swaps in the new company only when good.

    watcher = CompanyWatcher(Path("company.yaml"))   # loads now; ConfigError if it is bad
    setup = watcher.current                          # Setup: company, flows, warnings
    ...every second:
    change = watcher.poll()                          # Reloaded | Refused | None

The watcher remembers, for the company file, the flows file it names and its queues' music
files, each file's (inode, size, modification time); a file that is missing is remembered as
missing, so creating a named flows or music file counts as a change. On a change it reads
everything again: a good result becomes `current` and is given back as `Reloaded`; a bad one
is given back once as `Refused` with every problem, and the previous setup stays in force.

No thread and no event loop inside: the caller decides when to poll (the server does it every
second). Stamps are taken before reading, so an edit made while a reload is under way is seen
by the next poll. A save that leaves every stamp as it was (same size within the filesystem's
timestamp resolution) is not seen; ext4 and tmpfs keep nanoseconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from frontdesk.config.loader import Attempt, Setup, attempt_load
from frontdesk.config.reader import ConfigError
from frontdesk.flows.errors import Problem, Severity

Stamp = tuple[int, int, int] | None  # (inode, size, mtime in ns); None: the file is missing


@dataclass(frozen=True, slots=True)
class Reloaded:
    """The files changed and read well: `setup` is now in force."""

    setup: Setup
    changed: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class Refused:
    """The files changed but have errors; the previous setup stays in force."""

    problems: tuple[Problem, ...]
    changed: tuple[Path, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class CompanyWatcher:
    """Watches one company file and the files it depends on; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        stamps = {path: stamp(path)}
        attempt = attempt_load(path)
        if attempt.setup is None:
            raise ConfigError(list(attempt.problems))
        self._current = attempt.setup
        self._stamps = self._remember(attempt, stamps)
        self._refused = False

    @property
    def current(self) -> Setup:
        return self._current

    @property
    def files(self) -> tuple[Path, ...]:
        """The files being watched: the company file first."""
        return tuple(self._stamps)

    def poll(self) -> Reloaded | Refused | None:
        """None when nothing changed (or a change left the setup exactly as it was)."""
        now = {path: stamp(path) for path in self._stamps}
        changed = tuple(path for path, old in self._stamps.items() if now[path] != old)
        if not changed:
            return None
        attempt = attempt_load(self.path)
        self._stamps = self._remember(attempt, now)
        if attempt.setup is None:
            self._refused = True
            return Refused(attempt.problems, changed)
        if attempt.setup == self._current and not self._refused:
            return None
        self._current = attempt.setup
        self._refused = False
        return Reloaded(attempt.setup, changed)

    def _remember(self, attempt: Attempt, taken: dict[Path, Stamp]) -> dict[Path, Stamp]:
        """Stamps of the files `attempt` depends on; those taken before reading are kept."""
        files = (self.path, *attempt.files)
        return {path: taken[path] if path in taken else stamp(path) for path in files}
