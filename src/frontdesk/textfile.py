"""Reading the text files people write (company file, flows): one sentence when it fails."""

from __future__ import annotations

from pathlib import Path

from frontdesk import FrontdeskError


class UnreadableFile(FrontdeskError):
    """The file cannot be read as UTF-8 text; the message says why, for `file:1: ...`."""


def read_utf8(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UnreadableFile("the file is not UTF-8 text") from None
