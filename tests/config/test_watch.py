"""Hot reload: edits on disk are noticed by `poll()`, good ones swap the company in, bad ones
are refused with their lines while the previous company stays in force."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from company_files import COMPANY, FLOWS, line_with, write_company

from frontdesk.config import ConfigError
from frontdesk.config.watch import CompanyWatcher, Refused, Reloaded
from frontdesk.flows import model as m


def _edit(path: Path, text: str) -> None:
    """Writes `text` and moves the modification time on, as a later save would."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_nothing_changed_gives_none(tmp_path: Path) -> None:
    watcher = CompanyWatcher(write_company(tmp_path))
    assert watcher.poll() is None
    assert watcher.files == (
        tmp_path / "company.yaml",
        tmp_path / "flows.yaml",
        tmp_path / "hold.wav",
    )


def test_change_break_and_fix(tmp_path: Path) -> None:
    path = write_company(tmp_path)
    watcher = CompanyWatcher(path)
    first = watcher.current

    _edit(path, COMPANY.replace("name: Acme", "name: Acme Ltd"))
    change = watcher.poll()
    assert isinstance(change, Reloaded) and change.changed == (path,)
    assert change.setup.company.name == "Acme Ltd" and watcher.current is change.setup
    assert watcher.poll() is None

    broken = COMPANY.replace("strategy: best-skill", "strategy: fastest")
    _edit(path, broken)
    refused = watcher.poll()
    assert isinstance(refused, Refused)
    [error] = refused.errors
    assert error.line == line_with(broken, "strategy") and "fastest" in error.message
    assert watcher.current.company.name == "Acme Ltd"  # the last good one stays
    assert watcher.poll() is None  # said once

    _edit(path, COMPANY)
    fixed = watcher.poll()
    assert isinstance(fixed, Reloaded) and fixed.setup.company.name == "Acme"
    assert fixed.setup == first  # the same files give the same setup
    assert watcher.current.company.queue("support") is not None


def test_the_flows_file_is_watched_too(tmp_path: Path) -> None:
    watcher = CompanyWatcher(write_company(tmp_path))
    flows = tmp_path / "flows.yaml"
    _edit(flows, FLOWS.replace("queue: support}", "queue: suport}"))
    refused = watcher.poll()
    assert isinstance(refused, Refused) and refused.changed == (flows,)
    assert refused.errors[0].file == str(flows)
    _edit(flows, FLOWS.replace("How can we help?", "Hello."))
    reloaded = watcher.poll()
    assert isinstance(reloaded, Reloaded) and watcher.current is reloaded.setup
    menu = reloaded.setup.flows.flows["main"].nodes["menu"]
    assert isinstance(menu, m.Menu) and menu.prompt is not None
    assert menu.prompt.pick("en", "en").source == "Hello."


def test_a_missing_music_file_that_appears_is_noticed(tmp_path: Path) -> None:
    path = write_company(tmp_path)
    watcher = CompanyWatcher(path)
    _edit(path, COMPANY.replace("music: hold.wav", "music: new.wav"))
    refused = watcher.poll()
    assert isinstance(refused, Refused) and "new.wav" in refused.errors[0].message
    (tmp_path / "new.wav").write_bytes(b"RIFF")
    reloaded = watcher.poll()
    assert isinstance(reloaded, Reloaded) and reloaded.changed == (tmp_path / "new.wav",)
    [queue, _] = reloaded.setup.company.queues
    assert queue.music == str(tmp_path / "new.wav")


def test_touching_without_a_change_gives_none(tmp_path: Path) -> None:
    path = write_company(tmp_path)
    watcher = CompanyWatcher(path)
    _edit(path, COMPANY)
    assert watcher.poll() is None


def test_a_bad_file_cannot_be_watched_from_the_start(tmp_path: Path) -> None:
    path = write_company(tmp_path, COMPANY.replace("recording: queues", "recording: some"))
    with pytest.raises(ConfigError):
        CompanyWatcher(path)
