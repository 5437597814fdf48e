"""A busy stretch of a day driven through the real routing engine, with random callers.

Callers arrive in two queues, ring agents who answer or let it ring, talk and hang up; some
callers give up waiting, some leave the line for a callback, which agents then dial. `finish`
ends every call and callback so each call's record is complete.
"""

from __future__ import annotations

import random

from wb_centre import Centre

from frontdesk.acd import AgentSpec, AgentState, ContactState, QueueConfig, ToVoicemail

QUEUES = (
    QueueConfig("sales", wrap_up=15.0, ring_timeout=None, target_answer_time=20.0),
    QueueConfig(
        "support",
        wrap_up=30.0,
        ring_timeout=None,
        target_answer_time=60.0,
        max_wait=400.0,
        on_max_wait=ToVoicemail(),
    ),
)
AGENTS = tuple(
    AgentSpec(f"a{i}", ("sales", "support") if i % 2 else ("support",)) for i in range(5)
)


def step(centre: Centre, rng: random.Random, n: int, arrivals: bool) -> None:
    engine = centre.engine
    centre.after(rng.expovariate(1 / 6.0))
    if arrivals and rng.random() < 0.3:
        queue = rng.choice(("sales", "support"))
        centre.arrive(f"c{n}", queue, f"+33{n}", tier=rng.choice(("vip", "gold", "")))
    for agent in centre.agents:
        offered = engine.offer_of(agent.id)
        if offered is not None and rng.random() < 0.5:
            centre.answer(offered, agent.id)
            continue
        record = engine.agents[agent.id]
        if record.state is AgentState.ON_CALL and record.call is not None:
            contact = record.call.id
            if engine.contact_state(contact) is ContactState.CALLBACK_DIALING:
                centre.do(engine.callback_result(contact, rng.random() < 0.7))
            elif rng.random() < 0.12:
                centre.end(contact, agent.id)
    for queue in ("sales", "support"):
        for contact in engine.waiting(queue):
            if engine.contact_state(contact) is not ContactState.WAITING:
                continue
            draw = rng.random()
            if draw < 0.02:
                centre.abandon(contact)
            elif draw < 0.03:
                centre.do(engine.request_callback(contact, f"+44{contact}"))
                centre.hang_up(contact, "callback_kept")


def busy(centre: Centre, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    centre.login(*(a.id for a in centre.agents))
    for n in range(steps):
        step(centre, rng, n, arrivals=True)


def finish(centre: Centre, seed: int) -> None:
    """No more callers; the rest are answered, dialled back or give up, until all is over."""
    rng = random.Random(seed + 1)
    engine = centre.engine
    for _ in range(2000):
        if not engine.contacts and all(
            a.state is not AgentState.ON_CALL for a in engine.agents.values()
        ):
            break
        step(centre, rng, 0, arrivals=False)
    else:
        raise AssertionError("the day did not wind down")
    centre.after(60.0)  # every wrap-up is over
