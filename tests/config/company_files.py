"""A complete company file and its flows file, to be broken one change at a time by tests."""

from __future__ import annotations

from pathlib import Path

COMPANY = """\
company:
  name: Acme
  timezone: Europe/Paris
  recording: queues
  recording_notice: "Calls may be recorded."
  flows: flows.yaml
  crm:
    demo_data: false
    http:
      url: "https://crm.example/api?phone={number}"
      timeout_ms: 800
      headers: {X-Api-Key: k3y}
      mapping: {contact.first_name: data.first, contact.last_name: data.last}
  smtp: {host: mail.example, port: 587, sender: desk@acme.example, username: u, password: p,
         starttls: true}
numbers:
  - {number: "+33142868200", aliases: ["200"], flow: main}
teams:
  - name: support
    hours:
      weekly: {weekdays: "09:00-17:00", weekend: closed, sat: "10:00-12:00"}
      holidays: [2025-12-25]
    respond_within_h: 4
    email: support@acme.example
    mobile: "+33612345678"
  - name: sales
queues:
  - name: support
    team: support
    skills: {support: 2}
    strategy: best-skill
    callback_key: "#"
    max_wait_s: 300
    on_max_wait: callback
    music: hold.wav
    record: true
  - name: sales
    team: sales
    callback_key: none
agents:
  - {id: ann, name: Ann, extension: "201", password: pw, skills: {support: 3},
     teams: [support, sales], mobile: "+33612345679"}
"""

FLOWS = """\
main:
  timezone: Europe/Paris
  nodes:
    menu:
      type: menu
      prompt: "How can we help?"
      options:
        - {key: "1", label: "For support", goto: support}
        - {key: "2", label: "For sales", goto: sales}
        - {key: "3", label: "To leave a message", goto: message}
      on_fail: support
    support: {type: queue, queue: support}
    sales: {type: queue, queue: "{crm.account.team|sales}"}
    message: {type: voicemail, team: support, promise: "Leave a message."}
"""


def write_company(folder: Path, company: str = COMPANY, flows: str = FLOWS) -> Path:
    """The company file (with flows.yaml and hold.wav beside it); its path."""
    (folder / "flows.yaml").write_text(flows, encoding="utf-8")
    (folder / "hold.wav").write_bytes(b"RIFF")
    path = folder / "company.yaml"
    path.write_text(company, encoding="utf-8")
    return path


def line_with(text: str, fragment: str, nth: int = 1) -> int:
    """The 1-based line of the `nth` line of `text` containing `fragment`."""
    found = [i for i, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(found) >= nth, f"{fragment!r} is not in the text {nth} time(s)"
    return found[nth - 1]
