"""Transfers asked for by a phone (REFER, RFC 3515) and the hand-over of an attended transfer.

Frontdesk is a back-to-back user agent: the caller's call and the agent's leg are separate
dialogs bridged in the media engine, so a REFER from the agent's phone is an instruction to
Frontdesk, never passed on to the caller. On the agent's leg:

- **Blind** (`Refer-To` without `Replaces`): the target is checked against the company first
  (`transfer_target.resolve`); a wrong one is refused with its status (403, 404, 480) and a
  Warning, and the caller stays with the agent. Otherwise 202, a NOTIFY `100 Trying`, a
  NOTIFY `200 OK` that ends the subscription, and the caller is handed on exactly as the
  desk's blind transfer does (`AgentLine.hand_on`): the agent's leg ends, the caller goes to
  the colleague's phone, the team's queue or the number.
- **Attended** (`Refer-To` with `Replaces` naming the agent's own call to a colleague through
  Frontdesk, RFC 3891): 202, `100 Trying`, then the caller is bridged to the colleague's
  leg (`hand_to_colleague`), the NOTIFY says `200 OK`, and both of the agent's calls end.
  The same REFER sent on the consult call, replacing the caller's leg, does the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from frontdesk.flows.actions import Transfer
from frontdesk.sip.dialog import Dialog, DialogState
from frontdesk.sip.events import DialogRequest
from frontdesk.sip.refer import (
    Notify,
    ReferError,
    ReferProgress,
    ReferTarget,
    read_refer,
    wants_no_subscription,
)
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.speaker import Speaker
from frontdesk.telephony.transfer_target import TransferRefused, resolve

if TYPE_CHECKING:
    from frontdesk.telephony.agent_line import AgentLine
    from frontdesk.telephony.legs import Leg
    from frontdesk.telephony.transfer_consult import Consult

log = logging.getLogger("frontdesk.calls")


def on_refer(line: AgentLine, event: DialogRequest, now: float) -> None:
    """A REFER on the agent's leg: a blind transfer, or the completion of a consultation."""
    try:
        target = read_refer(event.request)
    except ReferError as exc:
        refuse(line, event, exc.status, str(exc))
        return
    if not line.talking or line.callback or line.leg is None:
        refuse(line, event, 403, "only a caller the agent is talking with can be transferred")
        return
    if target.replaces is not None:
        consult = line.centre.consults.matching(target.replaces)
        if consult is None or consult.agent.id != line.agent:
            refuse(line, event, 481, "the call named in Replaces is not this agent's consult call")
            return
        complete_by_refer(consult, line, event, now)
        return
    _blind(line, event, target, now)


def _blind(line: AgentLine, event: DialogRequest, target: ReferTarget, now: float) -> None:
    centre = line.centre
    company = line.services.company

    def registered(extension: str) -> bool:
        return bool(centre.registrar.lookup(extension, now))

    try:
        found = resolve(company, target.user, line.agent, registered)
    except TransferRefused as exc:
        refuse(line, event, exc.status, str(exc))
        return
    if line.consult is not None:
        refuse(line, event, 403, "finish or cancel the consultation first")
        return
    progress = accept(line.services.ua, event, now)
    notify(line.services.ua, event.dialog, progress.report(100), now)
    notify(line.services.ua, event.dialog, progress.report(200), now)
    s = line.services
    s.log.append(s.clock.wall(), "call.transfer_requested", line.contact, agent=line.agent,
                 transfer="blind", via="refer", target_kind=found.kind, to=found.to)  # fmt: skip
    line.hand_on(Transfer(found.kind, found.to))


def complete_by_refer(consult: Consult, line: AgentLine, event: DialogRequest, now: float) -> None:
    """REFER with Replaces: the consultation ends with the caller handed to the colleague.
    `event` came on the caller's leg or on the consult call; the NOTIFYs go back on it."""
    ua = line.services.ua
    if not consult.can_complete():
        refuse(line, event, 403, f"{consult.colleague.name} has not answered the consult call")
        return
    progress = accept(ua, event, now)
    notify(ua, event.dialog, progress.report(100), now)

    def bridged() -> None:  # the final NOTIFY goes before the BYEs end the REFER's dialog
        notify(ua, event.dialog, progress.report(200), now)

    try:
        consult.complete(now, bridged)
    except TelephonyError as exc:
        log.warning("attended transfer of %s failed: %s", line.contact, exc)
        notify(ua, event.dialog, progress.report(500, "Transfer Failed"), now)


def refuse(line: AgentLine, event: DialogRequest, status: int, why: str) -> None:
    s = line.services
    warning = why[:200].replace('"', "'")
    s.ua.reply(event.txn, status, headers={"Warning": f'399 frontdesk "{warning}"'},
               now=s.clock.now())  # fmt: skip
    s.log.append(s.clock.wall(), "call.transfer_refused", line.contact, agent=line.agent,
                 status=status, reason=why)  # fmt: skip


def accept(ua: UserAgent, event: DialogRequest, now: float) -> ReferProgress:
    """202 Accepted (with `Refer-Sub: false` echoed when no NOTIFYs are wanted, RFC 4488)."""
    subscribed = not wants_no_subscription(event.request)
    headers = None if subscribed else {"Refer-Sub": "false"}
    ua.reply(event.txn, 202, headers=headers, now=now)
    return ReferProgress(event.request.cseq.seq, subscribed)


def notify(ua: UserAgent, dialog: Dialog, message: Notify | None, now: float) -> None:
    """Sends one NOTIFY of a REFER's subscription in its dialog (nothing once it has ended)."""
    if message is None or dialog.state is DialogState.TERMINATED:
        return
    ua.request_in_dialog(dialog, "NOTIFY", now, message.body, message.content_type,
                         message.headers)  # fmt: skip


def hand_to_colleague(line: AgentLine, leg: Leg, colleague: str, restore_ready: bool, via: str,
                      bridged: Callable[[], None] | None = None) -> AgentLine:  # fmt: skip
    """Attended transfer: the caller is bridged to the colleague's answered `leg`, which becomes
    the caller's agent line; `bridged` runs, then the agent's own leg ends (wrap-up follows).
    Raises TelephonyError (and changes nothing) when the caller or the agent's leg is gone."""
    from frontdesk.telephony.agent_line import AgentLine

    centre, s = line.centre, line.services
    call = centre.calls.get(line.contact)
    if call is None or line.leg is None or not line.talking:
        raise TelephonyError("the caller is no longer with the agent")
    if s.media.live and not s.media.bridge(call.call_id, leg.stream):
        raise TelephonyError("the caller and the colleague cannot be bridged")
    taker = AgentLine(centre, line.contact, colleague, callback=False)
    taker.leg, taker.talking, taker.in_engine = leg, True, False
    taker.restore_ready = restore_ready
    taker.speaker = Speaker(s, leg.stream)
    leg.listener = taker
    s.media.listeners[leg.stream] = taker
    centre.lines[(line.contact, colleague)] = taker
    line.handed_over = True
    line.end_hold()
    call.speaker.stop()
    call.connected(colleague)
    s.log.append(s.clock.wall(), "call.transferred", call.call_id, agent=line.agent,
                 transfer="attended", via=via, target_kind="agent", to=colleague,
                 leg=leg.id)  # fmt: skip
    if bridged is not None:
        bridged()
    centre.dialer.hang_up(line.leg, s.clock.now())
    return taker
