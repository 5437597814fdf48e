"""Call transfer on the wire: REFER (RFC 3515), Replaces (RFC 3891), message/sipfrag (RFC 3420).

A phone transfers a call by sending REFER inside the call's dialog with a `Refer-To` naming
the new party. A Refer-To URI that carries a `Replaces` header component (RFC 3891 §6.1,
escaped inside the URI as RFC 3261 §19.1.1 asks) names a dialog the new party is already in:
that is an attended (consultative) transfer. The REFER creates an implicit subscription
(RFC 3515 §2.4.4): the accepting side answers 202 and reports progress in NOTIFYs whose body
is the status line of the new call's response (`SIP/2.0 100 Trying`, then a final one that
ends the subscription, §2.4.5). RFC 4488's `Refer-Sub: false` asks for no NOTIFYs at all.

`ReferProgress` is that subscription's notifier, sans-IO: fed statuses, it returns the
headers and body of each NOTIFY to send, and refuses to report after the final one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import quote, unquote

from frontdesk.sip import SipError, SipParseError
from frontdesk.sip.headers import is_token, parse_name_addr
from frontdesk.sip.message import REASONS, Request
from frontdesk.sip.uri import SipUri, Uri

SIPFRAG = "message/sipfrag;version=2.0"
SUBSCRIPTION_S = 60  # how long the implicit subscription lives if nothing ends it (§2.4.4)


class ReferError(SipError):
    """A REFER, Refer-To, Replaces or sipfrag that cannot be used; `status` is the answer."""


@dataclass(frozen=True, slots=True)
class Replaces:
    """The dialog a new call is to replace (RFC 3891 §6.1).

    `to_tag` and `from_tag` are written from the point of view of the UA that holds the dialog
    being replaced as its UAS end; `matches` also accepts them the other way round, because
    phones that send REFER disagree about whose view they take."""

    call_id: str
    to_tag: str
    from_tag: str
    early_only: bool = False

    def matches(self, call_id: str, local_tag: str, remote_tag: str) -> bool:
        if call_id != self.call_id:
            return False
        tags = (self.to_tag, self.from_tag)
        return tags in ((local_tag, remote_tag), (remote_tag, local_tag))

    def __str__(self) -> str:
        text = f"{self.call_id};to-tag={self.to_tag};from-tag={self.from_tag}"
        return text + (";early-only" if self.early_only else "")


def parse_replaces(text: str) -> Replaces:
    """Reads a Replaces value: `callid;to-tag=..;from-tag=..[;early-only]` (RFC 3891 §6.1);
    both tags are required, other generic parameters are ignored."""
    parts = [p.strip() for p in text.replace("\r\n", "").split(";")]
    call_id = parts[0]
    if not call_id or any(ch.isspace() for ch in call_id):
        raise ReferError(f"Replaces {text!r} has no Call-ID")
    tags: dict[str, str] = {}
    early = False
    for part in parts[1:]:
        name, eq, value = (s.strip() for s in part.partition("="))
        key = name.lower()
        if key == "early-only" and not eq:
            early = True
        elif key in ("to-tag", "from-tag"):
            if not value or not is_token(value):
                raise ReferError(f"Replaces {text!r} has a bad {key}")
            if key in tags:
                raise ReferError(f"Replaces {text!r} has two {key} parameters")
            tags[key] = value
        elif not name:
            raise ReferError(f"Replaces {text!r} has an empty parameter")
    if "to-tag" not in tags or "from-tag" not in tags:
        raise ReferError(f"Replaces {text!r} needs both to-tag and from-tag")
    return Replaces(call_id, tags["to-tag"], tags["from-tag"], early)


@dataclass(frozen=True, slots=True)
class ReferTarget:
    """Where a REFER sends the call: `uri` without its header components, and the dialog it
    replaces for an attended transfer."""

    uri: Uri
    replaces: Replaces | None = None

    @property
    def user(self) -> str | None:
        """The user part (an extension, a number, a name), or for `tel:` the number."""
        if isinstance(self.uri, SipUri):
            return unquote(self.uri.user) if self.uri.user is not None else None
        if self.uri.scheme == "tel":
            return self.uri.rest.split(";", 1)[0]
        return None


def parse_refer_to(value: str) -> ReferTarget:
    """Reads a Refer-To value (RFC 3515 §2.1): a name-addr or addr-spec; a `Replaces` header
    component of a SIP URI is decoded and parsed, any other header component dropped."""
    try:
        address = parse_name_addr(value)
    except SipParseError as exc:
        raise ReferError(f"Refer-To {value[:80]!r} cannot be read: {exc}") from None
    uri = address.uri
    if not isinstance(uri, SipUri):
        return ReferTarget(uri)
    replaces = None
    for name, raw in uri.headers:
        if unquote(name).lower() == "replaces":
            replaces = parse_replaces(unquote(raw))
    return ReferTarget(uri.without_headers(), replaces)


def refer_to_value(uri: SipUri, replaces: Replaces | None = None) -> str:
    """A Refer-To value for `uri`, with `replaces` escaped into it (RFC 3261 §19.1.1)."""
    target = str(uri.without_headers())
    if replaces is not None:
        target += "?Replaces=" + quote(str(replaces), safe="")
    return f"<{target}>"


def read_refer(request: Request) -> ReferTarget:
    """The target of a REFER; exactly one Refer-To is required (RFC 3515 §2.4.1)."""
    values = request.get_all("Refer-To")
    if len(values) != 1:
        raise ReferError(f"a REFER needs exactly one Refer-To, this one has {len(values)}")
    return parse_refer_to(values[0])


def wants_no_subscription(request: Request) -> bool:
    """RFC 4488: `Refer-Sub: false` asks the recipient not to send NOTIFYs."""
    return (request.get("Refer-Sub") or "").strip().lower() == "false"


# -- message/sipfrag (RFC 3420) -------------------------------------------------------------
def sipfrag(status: int, reason: str | None = None) -> bytes:
    """A sipfrag body holding just a status line, as RFC 3515 §2.4.5 recommends."""
    if not 100 <= status <= 699:
        raise ReferError(f"{status} is not a SIP status", status=500, peer_fault=False)
    text = reason or REASONS.get(status, "Unknown")
    return f"SIP/2.0 {status} {text}\r\n".encode()


def parse_sipfrag(body: bytes) -> tuple[int, str]:
    """The status and reason of a sipfrag's start line (RFC 3420 §2: a start line may be
    followed by headers and a body, which are not needed here)."""
    first = body.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    version, _, rest = first.partition(" ")
    code, _, reason = rest.partition(" ")
    if version.upper() != "SIP/2.0" or len(code) != 3 or not code.isdigit():
        raise ReferError(f"sipfrag start line {first[:60]!r} is not a SIP status line")
    status = int(code)
    if not 100 <= status <= 699:
        raise ReferError(f"sipfrag status {status} is out of range")
    return status, reason.strip()


# -- the implicit subscription's NOTIFYs (RFC 3515 §2.4.4-2.4.7, RFC 6665 §4.1.3) ---------------
class ReferState(enum.Enum):
    ACCEPTED = "accepted"  # 202 sent, no NOTIFY yet
    ACTIVE = "active"  # provisional progress reported
    TERMINATED = "terminated"  # a final status reported (or no subscription wanted)


class ReferInput(enum.Enum):
    PROVISIONAL = "provisional"
    FINAL = "final"


REFER_TABLE: dict[tuple[ReferState, ReferInput], ReferState] = {
    (ReferState.ACCEPTED, ReferInput.PROVISIONAL): ReferState.ACTIVE,
    (ReferState.ACCEPTED, ReferInput.FINAL): ReferState.TERMINATED,
    (ReferState.ACTIVE, ReferInput.PROVISIONAL): ReferState.ACTIVE,
    (ReferState.ACTIVE, ReferInput.FINAL): ReferState.TERMINATED,
}


@dataclass(frozen=True, slots=True)
class Notify:
    """One NOTIFY to send in the REFER's dialog."""

    headers: dict[str, str]
    body: bytes
    content_type: str = SIPFRAG


class ReferProgress:
    """The notifier of one REFER's implicit subscription.

    `event_id` is the REFER's CSeq number: RFC 3515 §2.4.6 has it in the Event header's `id`
    so that several REFERs in one dialog keep their subscriptions apart."""

    def __init__(self, event_id: int, subscribed: bool = True) -> None:
        self.event_id = event_id
        self.state = ReferState.ACCEPTED if subscribed else ReferState.TERMINATED
        self.final: int | None = None

    def report(self, status: int, reason: str | None = None) -> Notify | None:
        """The NOTIFY for the new call's `status`; None once the subscription has ended."""
        step = ReferInput.PROVISIONAL if status < 200 else ReferInput.FINAL
        nxt = REFER_TABLE.get((self.state, step))
        if nxt is None:
            return None
        self.state = nxt
        if nxt is ReferState.TERMINATED:
            self.final = status
            subscription = "terminated;reason=noresource"
        else:
            subscription = f"active;expires={SUBSCRIPTION_S}"
        headers = {"Event": f"refer;id={self.event_id}", "Subscription-State": subscription}
        return Notify(headers, sipfrag(status, reason))
