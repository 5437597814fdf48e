"""The company `frontdesk demo` runs: the built-in demo company, adjusted for a simulation.

Three changes, made on the loaded `Setup` (frozen dataclasses, replaced, never edited), so
demo.yaml stays what `frontdesk serve` runs:

- Always open. Every team's hours and every `hours` node of the flows become open round the
  clock, so a demo started at night or on a Sunday still shows callers reaching agents. (The
  closed branch of the demo flows — voicemail, the owner's mobile — is then not visited.)
- More agents when asked. The demo company has three agents; `--agents N` beyond those left
  free takes made-up colleagues from `EXTRA_AGENTS` (extensions 1004 and up).
- A carrier. The simulated callers' SIP endpoint is also the company's trunk, so the callbacks
  that callers ask for are really dialled, and answered by the simulated customer.
"""

from __future__ import annotations

from dataclasses import replace

from frontdesk.config import Agent, Company
from frontdesk.config.company import Trunk
from frontdesk.config.loader import Setup
from frontdesk.demo import DemoError
from frontdesk.flows.hours import END_OF_DAY, Schedule
from frontdesk.flows.model import Flow, FlowSet, Hours

CARRIER_TRUNK = "demo-carrier"
ALWAYS = ((0, END_OF_DAY),)
FIRST_EXTRA_EXTENSION = 1004

# Made-up colleagues: id, name, languages, skills, teams. Between them every demo queue has
# people (freight needs freight 2, billing needs billing 2, key-accounts and parcels parcels 1).
EXTRA_AGENTS: tuple[tuple[str, str, tuple[str, ...], dict[str, int], tuple[str, ...]], ...] = (
    ("dan", "Dan Reid", ("en",), {"parcels": 3, "freight": 3}, ("parcels",)),
    ("erin", "Erin Walsh", ("en",), {"parcels": 2, "billing": 3}, ("parcels", "billing")),
    ("farid", "Farid Haddad", ("en", "fr"), {"parcels": 4}, ("parcels", "key-accounts")),
    ("grace", "Grace Lin", ("en",), {"billing": 4, "parcels": 1}, ("billing", "parcels")),
    ("hugo", "Hugo Martin", ("fr", "en"), {"parcels": 3, "freight": 2}, ("parcels",)),
    ("isla", "Isla Grant", ("en",), {"parcels": 2, "billing": 2}, ("parcels", "billing")),
    ("jonas", "Jonas Berg", ("en",), {"parcels": 3}, ("parcels", "key-accounts")),
    ("kemi", "Kemi Adeyemi", ("en",), {"parcels": 2, "freight": 3}, ("parcels",)),
    ("liam", "Liam Byrne", ("en",), {"billing": 3, "parcels": 2}, ("billing", "parcels")),
    ("maya", "Maya Cohen", ("en", "fr"), {"parcels": 3}, ("parcels", "key-accounts")),
)


def extra_agent(index: int) -> Agent:
    agent_id, name, languages, skills, teams = EXTRA_AGENTS[index]
    extension = str(FIRST_EXTRA_EXTENSION + index)
    return Agent(
        id=agent_id,
        name=name,
        extension=extension,
        password=f"{agent_id}{extension}",
        skills=tuple(skills.items()),
        languages=languages,
        teams=teams,
    )


def simulated_agents(
    company: Company, count: int, leave_for_browser: tuple[str, ...]
) -> tuple[tuple[Agent, ...], tuple[Agent, ...]]:
    """The agents the simulation plays (the company's own first, in file order) and the
    made-up ones that must be added to the company for them; DemoError when `count` cannot
    be met or a name left for the browser is not an agent of the company."""
    unknown = [name for name in leave_for_browser if company.agent(name) is None]
    if unknown:
        names = ", ".join(a.id for a in company.agents)
        raise DemoError(
            f"--leave-for-browser names {', '.join(unknown)}, not an agent of the demo company "
            f"(its agents: {names})"
        )
    own = [a for a in company.agents if a.id not in leave_for_browser][:count]
    missing = count - len(own)
    if missing > len(EXTRA_AGENTS):
        most = len(own) + len(EXTRA_AGENTS)
        raise DemoError(f"--agents can be at most {most} with these agents left for the browser")
    extras = tuple(extra_agent(i) for i in range(max(missing, 0)))
    return (*own, *extras), extras


def always_open(flows: FlowSet) -> FlowSet:
    """The same flows with every `hours` node open at all times."""
    changed: dict[str, Flow] = {}
    for name, flow in flows.flows.items():
        nodes = {
            node_id: replace(node, schedule=_open_schedule(node.schedule))
            if isinstance(node, Hours)
            else node
            for node_id, node in flow.nodes.items()
        }
        changed[name] = replace(flow, nodes=nodes)
    return replace(flows, flows=changed)


def _open_schedule(schedule: Schedule) -> Schedule:
    return Schedule(schedule.timezone, (ALWAYS,) * 7)


def demo_setup(
    base: Setup, carrier: tuple[str, int], agents: int, leave_for_browser: tuple[str, ...]
) -> tuple[Setup, tuple[Agent, ...]]:
    """The demo's setup (see the module's docstring) and the agents the simulation plays."""
    company = base.company
    playing, extras = simulated_agents(company, agents, leave_for_browser)
    host, port = carrier
    teams = tuple(replace(team, hours=None) for team in company.teams)
    trunk = Trunk(CARRIER_TRUNK, host, port)
    company = replace(
        company,
        teams=teams,
        agents=(*company.agents, *extras),
        trunks=(trunk, *company.trunks),
    )
    return replace(base, company=company, flows=always_open(base.flows)), playing
