"""A small company (file, flows, agents' phones) for end-to-end tests of live calls.

Its own flows keep each scenario short and independent of the day and time the suite runs
(the demo's flows depend on opening hours); callers and accounts come from the demo CRM data.
"""

from __future__ import annotations

from pathlib import Path

FLOWS = """\
main:
  languages: [en, fr]
  timezone: Europe/London
  voices: {en: en-gb, fr: fr-fr}
  nodes:
    hello:
      type: say
      text: {en: "Hello {caller.first_name|}.", fr: "Bonjour {caller.first_name|}."}
      next: route
    route:
      type: branch
      cases:
        - {if: crm.account.team != none, goto: account}
      else: parcels
    account:
      type: queue
      queue: key-accounts
      preferred_agent: "{crm.account.owner}"
      priority: "30"
      after: bye
    parcels: {type: queue, queue: parcels, after: bye}
    bye: {type: hangup, reason: caller served}
closed:
  languages: [en, fr]
  timezone: Europe/London
  nodes:
    message:
      type: voicemail
      team: parcels
      promise: {en: "Please leave a message.", fr: "Laissez un message."}
"""

COMPANY = """\
company:
  name: Test Parcels
  domain: frontdesk.test
  timezone: Europe/London
  recording: all
  flows: flows.yaml
  crm: {{demo_data: true}}
  smtp: {{host: 127.0.0.1, port: {smtp_port}, sender: frontdesk@test.example}}
numbers:
  - {{number: "+442079460100", aliases: ["100"], flow: main}}
  - {{number: "+442079460101", aliases: ["101"], flow: closed}}
teams:
  - name: parcels
    respond_within_h: 4
    email: parcels@test.example
    hours: {{weekly: {{weekdays: "08:00-18:00"}}}}
queues:
  - {{name: parcels, team: parcels, skills: {{parcels: 1}}, announce_every_s: 10,
     callback_key: "*", ring_timeout_s: 6, language_for_s: 60}}
  - {{name: key-accounts, team: parcels, skills: {{parcels: 1}}, ring_timeout_s: 6}}
agents:
  - {{id: alice, name: Alice, extension: "1001", password: alice1001, languages: [en, fr],
     skills: {{parcels: 5}}, teams: [parcels]}}
  - {{id: bob, name: Bob, extension: "1002", password: bob1002, languages: [en],
     skills: {{parcels: 3}}, teams: [parcels]}}
  - {{id: chloe, name: Chloe, extension: "1003", password: chloe1003, languages: [fr],
     skills: {{parcels: 2}}, teams: [parcels]}}
trunks:
  - {{name: carrier, host: 127.0.0.1, port: {trunk_port}}}
"""


def write_company(folder: Path, smtp_port: int = 2525, trunk_port: int = 5999) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flows.yaml").write_text(FLOWS)
    path = folder / "company.yaml"
    path.write_text(COMPANY.format(smtp_port=smtp_port, trunk_port=trunk_port))
    return path
