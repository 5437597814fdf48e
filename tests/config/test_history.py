"""Company-file edits from the web admin: validated like `frontdesk check`, applied atomically
under optimistic locking, kept as an append-only history that can be rolled back."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from company_files import COMPANY, line_with, write_company

from frontdesk.clock import ManualClock
from frontdesk.config import ConfigError
from frontdesk.config.check import run_check
from frontdesk.config.history import (
    CompanyHistory,
    ConfigHistoryError,
    InvalidCompany,
    StaleEdit,
    UnknownVersion,
    VersionKind,
    sha256_of,
)
from frontdesk.config.watch import CompanyWatcher, Reloaded
from frontdesk.flows.errors import Severity

BROKEN = (
    COMPANY.replace("timezone: Europe/Paris", "timezone: Mars/Olympus")
    .replace("strategy: best-skill", "strategy: fastest")
    .replace("teams: [support, sales]", "teams: [support, sails]")
)
RENAMED = COMPANY.replace("name: Acme", "name: Acme Ltd")


def _history(tmp_path: Path, clock: ManualClock | None = None) -> CompanyHistory:
    path = tmp_path / "company.yaml"
    if not path.exists():
        write_company(tmp_path)
    return CompanyHistory(path, tmp_path / "data" / "history", clock or ManualClock())


def _check_lines(path: Path) -> list[str]:
    """What `frontdesk check` prints about each problem of the file at `path`."""
    err = io.StringIO()
    run_check(path, io.StringIO(), err)
    return [line for line in err.getvalue().splitlines() if "the company is refused" not in line]


@pytest.mark.parametrize("text", [BROKEN, COMPANY, COMPANY.replace("flows.yaml", "nowhere.yaml")])
def test_validate_says_what_check_says_about_the_file(tmp_path: Path, text: str) -> None:
    history = _history(tmp_path)
    found = [str(p) for p in history.validate(text)]
    assert history.current().text == COMPANY  # checking wrote nothing
    assert sorted(os.listdir(tmp_path)) == ["company.yaml", "data", "flows.yaml", "hold.wav"]

    history.path.write_text(text, encoding="utf-8")
    assert found == _check_lines(history.path)


def test_validate_locates_errors_in_the_real_file(tmp_path: Path) -> None:
    history = _history(tmp_path)
    problems = history.validate(BROKEN)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    assert {p.file for p in problems} == {str(history.path)}
    assert [p.line for p in errors] == [
        line_with(BROKEN, "Mars"),
        line_with(BROKEN, "fastest"),
        line_with(BROKEN, "sails"),
    ]


def test_relative_paths_start_at_the_company_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = _history(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # flows.yaml is not in the working folder
    assert [p for p in history.validate(COMPANY) if p.severity is Severity.ERROR] == []
    moved = COMPANY.replace("flows: flows.yaml", "flows: elsewhere/flows.yaml")
    [missing] = [p for p in history.validate(moved) if p.severity is Severity.ERROR]
    assert missing.line == line_with(moved, "elsewhere/flows.yaml")


def test_apply_then_rollback(tmp_path: Path) -> None:
    clock = ManualClock(start=0.0, wall_offset=1_750_000_000.0)
    history = _history(tmp_path, clock)
    start = history.current()
    assert start.id is None and start.sha256 == sha256_of(COMPANY.encode())

    clock.advance(60)
    applied = history.apply(RENAMED, "alice", start.sha256, "new company name")
    assert history.path.read_text(encoding="utf-8") == RENAMED
    assert history.current() == applied
    found, edit = history.versions()
    assert (found.kind, found.sha256, found.author) == (VersionKind.FOUND, start.sha256, "")
    assert (edit.id, edit.kind, edit.author, edit.message) == (
        applied.id, VersionKind.EDIT, "alice", "new company name"
    )  # fmt: skip
    assert edit.at == 1_750_000_060.0 and edit.size == len(RENAMED.encode())
    assert history.text_of(found.id) == COMPANY

    diff = history.diff(found.id, edit.id)
    assert "-  name: Acme\n" in diff and "+  name: Acme Ltd\n" in diff
    assert diff.startswith(f"--- version {found.id}\n+++ version {edit.id}\n")
    assert history.diff(edit.id, edit.id) == ""

    back = history.rollback(found.id, "bob")
    assert history.path.read_text(encoding="utf-8") == COMPANY
    assert back.sha256 == start.sha256
    last = history.versions()[-1]
    assert (last.id, last.kind, last.rollback_of, last.author) == (
        back.id, VersionKind.ROLLBACK, found.id, "bob"
    )  # fmt: skip
    assert [v.id for v in history.versions()] == [1, 2, 3]


def test_history_survives_a_restart(tmp_path: Path) -> None:
    first = _history(tmp_path)
    first.apply(RENAMED, "alice", first.current().sha256, "rename")
    again = _history(tmp_path)
    assert again.versions() == first.versions()
    assert again.text_of(2) == RENAMED and again.current().id == 2


def test_stale_edit_is_refused(tmp_path: Path) -> None:
    history = _history(tmp_path)
    loaded = history.current()
    history.path.write_text(COMPANY.replace("respond_within_h: 4", "respond_within_h: 5"))
    before = history.path.read_bytes()
    with pytest.raises(StaleEdit, match="was changed since it was loaded") as caught:
        history.apply(RENAMED, "alice", loaded.sha256)
    assert caught.value.error_id == "stale_edit"
    assert history.path.read_bytes() == before and history.versions() == []


def test_hand_edits_are_kept_before_they_are_replaced(tmp_path: Path) -> None:
    history = _history(tmp_path)
    history.apply(RENAMED, "alice", history.current().sha256)
    by_hand = RENAMED.replace("respond_within_h: 4", "respond_within_h: 5")
    history.path.write_text(by_hand, encoding="utf-8")
    history.apply(COMPANY, "bob", sha256_of(by_hand.encode()))
    kinds = [(v.kind, v.author) for v in history.versions()]
    assert kinds == [
        (VersionKind.FOUND, ""), (VersionKind.EDIT, "alice"), (VersionKind.FOUND, ""),
        (VersionKind.EDIT, "bob"),
    ]  # fmt: skip
    assert history.text_of(3) == by_hand


def test_a_broken_edit_changes_nothing(tmp_path: Path) -> None:
    history = _history(tmp_path)
    before = history.path.read_bytes()
    stamp = os.stat(history.path)
    with pytest.raises(InvalidCompany) as caught:
        history.apply(BROKEN, "alice", history.current().sha256)
    error = caught.value
    assert isinstance(error, ConfigError) and error.error_id == "invalid_company"
    assert f"{history.path}:{line_with(BROKEN, 'fastest')}: queue 'support'" in str(error)
    assert [str(p) for p in error.problems] == [str(p) for p in history.validate(BROKEN)]
    assert history.path.read_bytes() == before
    assert os.stat(history.path).st_ino == stamp.st_ino
    assert history.versions() == []
    assert sorted(os.listdir(tmp_path)) == ["company.yaml", "data", "flows.yaml", "hold.wav"]


def test_rollback_is_validated_against_todays_files(tmp_path: Path) -> None:
    history = _history(tmp_path)
    (tmp_path / "flows2.yaml").write_text((tmp_path / "flows.yaml").read_text())
    moved = COMPANY.replace("flows: flows.yaml", "flows: flows2.yaml")
    history.apply(moved, "alice", history.current().sha256)
    (tmp_path / "flows.yaml").unlink()
    with pytest.raises(InvalidCompany, match=r"flows\.yaml"):
        history.rollback(1, "alice")
    assert history.path.read_text(encoding="utf-8") == moved
    assert len(history.versions()) == 2


def test_unknown_version(tmp_path: Path) -> None:
    history = _history(tmp_path)
    with pytest.raises(UnknownVersion, match="no version 7") as caught:
        history.text_of(7)
    assert caught.value.error_id == "unknown_version"
    with pytest.raises(UnknownVersion):
        history.rollback(7, "alice")
    assert isinstance(caught.value, ConfigHistoryError)


def test_the_watcher_takes_in_an_applied_edit(tmp_path: Path) -> None:
    history = _history(tmp_path)
    watcher = CompanyWatcher(history.path)
    history.apply(RENAMED, "alice", history.current().sha256)
    change = watcher.poll()
    assert isinstance(change, Reloaded) and change.setup.company.name == "Acme Ltd"


def test_the_file_keeps_its_mode(tmp_path: Path) -> None:
    history = _history(tmp_path)
    os.chmod(history.path, 0o640)
    history.apply(RENAMED, "alice", history.current().sha256)
    assert os.stat(history.path).st_mode & 0o777 == 0o640


def test_a_torn_index_line_is_ignored_then_cut(tmp_path: Path) -> None:
    history = _history(tmp_path)
    history.apply(RENAMED, "alice", history.current().sha256)
    index = history.history_dir / "index.jsonl"
    with open(index, "ab") as out:
        out.write(b'{"id": 3, "at": 1.0, "auth')  # a crash while appending
    assert [v.id for v in history.versions()] == [1, 2]
    history.apply(COMPANY, "bob", history.current().sha256)
    assert [v.id for v in history.versions()] == [1, 2, 3]
    assert index.read_bytes().count(b"\n") == 3


def test_two_editors_from_the_same_version_one_wins(tmp_path: Path) -> None:
    history = _history(tmp_path)
    start = history.current().sha256
    texts = [COMPANY.replace("name: Acme", f"name: Acme {n}") for n in range(6)]
    outcomes: list[str] = []

    def edit(text: str) -> None:
        try:
            CompanyHistory(history.path, history.history_dir, ManualClock()).apply(
                text, "someone", start
            )
            outcomes.append("applied")
        except StaleEdit:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied"] + ["stale"] * 5
    [winner] = [v for v in history.versions() if v.kind is VersionKind.EDIT]
    assert history.path.read_text(encoding="utf-8") == history.text_of(winner.id)
