"""The flows a company runs when its file names none: written from the company itself.

A new company file needs numbers, teams, queues and agents before it needs a call flow, and
the built-in demo flows send callers to the demo company's queues (parcels, freight...),
which a new company does not have. So a company without `flows:` gets flows written for it:

* `main` greets the caller with the company's name (and their first name when the CRM knows
  them), in English or French;
* one queue: straight to it; several: a menu with one option per queue, in file order;
* a queue whose team has opening hours checks them first; when the team is closed the caller
  hears so and leaves a voicemail for the team (telephony says when the team will call back,
  from its `respond_within_h`); a team without hours is always open;
* no queue at all: a voicemail for the first team, or an apology and goodbye without teams.

The text is YAML in the flows language, read by the same loader and checked by the same
validator as a file an admin writes; `frontdesk flow starter COMPANY_FILE` prints it, as a
start for a flows file of one's own. `flows: demo` asks for the demo flows instead.
"""

from __future__ import annotations

import re

import yaml

from frontdesk.config.company import Company, Queue, Team
from frontdesk.flows.hours import Schedule

SOURCE = "<flows written for the company>"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LANGUAGES = ("en", "fr")
_MENU_KEYS = 9  # one key per queue: 1..9


def starter_flows(company: Company) -> str:
    """The flows file (YAML text) for `company`, which names no flows file."""
    nodes: dict[str, object] = {}
    name = _literal(company.name or "us")
    nodes["welcome"] = {
        "type": "say",
        "text": {
            "en": f"{{greeting()}} {{caller.first_name|}}, thank you for calling {name}.",
            "fr": f"{{greeting()}} {{caller.first_name|}}, merci d'appeler {name}.",
        },
        "next": "route",
    }
    queues = list(company.queues)
    nodes["route"] = {}  # keeps its place before the nodes it leads to
    if len(queues) == 1:
        nodes["route"] = _queue_nodes(nodes, company, queues[0])
    elif queues:
        nodes["route"] = _menu(nodes, company, queues[:_MENU_KEYS])
    elif company.teams:
        nodes["route"] = _closed_nodes(nodes, company.teams[0], "route")
    else:
        nodes["route"] = {
            "type": "say",
            "text": {
                "en": "Sorry, nobody can take your call. Goodbye.",
                "fr": "Désolé, personne ne peut prendre votre appel. Au revoir.",
            },
            "next": "goodbye",
        }
        nodes["goodbye"] = {"type": "hangup", "reason": "the company has no queue and no team"}
    flow = {
        "description": f"Written by Frontdesk for {company.name}: its file names no flows file.",
        "languages": _languages(company),
        "timezone": company.timezone,
        "start": "welcome",
        "nodes": nodes,
    }
    header = (
        f"# The call flows Frontdesk writes for {company.name} when its company file names no\n"
        "# flows file. To change them, save this as flows.yaml beside the company file, add\n"
        "# `flows: flows.yaml` under `company:`, and edit it (docs/flows.md has every node).\n"
    )
    body = yaml.safe_dump({"main": flow}, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _languages(company: Company) -> list[str]:
    """English and French (the languages the built-in prompts speak), the numbers' first."""
    wanted = [n.language for n in company.numbers if n.language in _LANGUAGES]
    return list(dict.fromkeys([*wanted, *_LANGUAGES]))


def _menu(nodes: dict[str, object], company: Company, queues: list[Queue]) -> dict[str, object]:
    options = []
    for index, queue in enumerate(queues):
        words = _literal(queue.name.replace("-", " ").replace("_", " "))
        node_id = _node_id(queue.name, index)
        nodes[node_id] = {}
        nodes[node_id] = _queue_nodes(nodes, company, queue, node_id)
        options.append(
            {
                "key": str(index + 1),
                "label": {"en": f"For {words}", "fr": f"Pour {words}"},
                "goto": node_id,
            }
        )
    return {
        "type": "menu",
        "prompt": {"en": "How can we help?", "fr": "Comment pouvons-nous vous aider ?"},
        "options": options,
        "on_fail": options[0]["goto"],
    }


def _queue_nodes(
    nodes: dict[str, object], company: Company, queue: Queue, node_id: str = "route"
) -> dict[str, object]:
    """The node that takes a caller to `queue` (its team's hours first, when it has them);
    the nodes it leads to are added to `nodes`."""
    enqueue: dict[str, object] = {"type": "queue", "queue": queue.name}
    team = company.team(queue.team)
    if team is None or team.hours is None:
        return enqueue
    nodes[f"{node_id}_queue"] = enqueue
    closed_id = f"{node_id}_closed"
    nodes[closed_id] = {}
    nodes[closed_id] = _closed_nodes(nodes, team, closed_id)
    return {
        "type": "hours",
        **_hours_fields(team.hours),
        "open": f"{node_id}_queue",
        "closed": closed_id,
    }


def _closed_nodes(nodes: dict[str, object], team: Team, node_id: str) -> dict[str, object]:
    """Says the team is closed, then takes a voicemail for it."""
    nodes[f"{node_id}_voicemail"] = {
        "type": "voicemail",
        "team": team.name,
        # Spoken only if the team were unknown: telephony says the promise it computes.
        "promise": {
            "en": "Please leave a message after the tone and we will call you back.",
            "fr": "Laissez un message après le bip et nous vous rappellerons.",
        },
    }
    return {
        "type": "say",
        "text": {
            "en": "We are closed just now.",
            "fr": "Nous sommes fermés pour le moment.",
        },
        "next": f"{node_id}_voicemail",
    }


def _hours_fields(schedule: Schedule) -> dict[str, object]:
    weekly = {day: _ranges(spans) for day, spans in zip(_DAYS, schedule.weekly, strict=True)}
    fields: dict[str, object] = {"timezone": schedule.timezone, "weekly": weekly}
    if schedule.holidays:
        fields["holidays"] = [day.isoformat() for day in sorted(schedule.holidays)]
    return fields


def _ranges(spans: tuple[tuple[int, int], ...]) -> str:
    if not spans:
        return "closed"
    return ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in spans)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _node_id(queue: str, index: int) -> str:
    """A node id from a queue's name (letters, digits and underscores), unique by index."""
    cleaned = re.sub(r"[^0-9A-Za-z_]+", "_", queue).strip("_").lower()
    return f"q{index + 1}_{cleaned}" if cleaned else f"q{index + 1}"


def _literal(text: str) -> str:
    """Text spoken as written: braces would be read as placeholders."""
    return text.replace("{", "{{").replace("}", "}}")
