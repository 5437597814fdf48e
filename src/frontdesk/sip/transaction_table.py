"""The SIP transaction state machines as data (RFC 3261 §17, RFC 6026): states, inputs, actions.

`TABLE[(kind, state, input)] -> (next state, actions)` covers the four machines — INVITE and
non-INVITE, client and server; an input with no entry is ignored. `FIXED_TIMERS` gives the
timers whose length does not double. The layer that runs them is transaction.py.
"""

from __future__ import annotations

from enum import Enum, auto

T1, T2, T4 = 0.5, 4.0, 5.0


class Kind(Enum):
    INVITE_SERVER = auto()
    NON_INVITE_SERVER = auto()
    INVITE_CLIENT = auto()
    NON_INVITE_CLIENT = auto()


class State(Enum):
    TRYING = auto()
    CALLING = auto()
    PROCEEDING = auto()
    ACCEPTED = auto()
    COMPLETED = auto()
    CONFIRMED = auto()
    TERMINATED = auto()


class Input(Enum):
    REQUEST_AGAIN = auto()
    ACK = auto()
    TU_1XX = auto()
    TU_2XX = auto()
    TU_ERROR = auto()  # 3xx-6xx from the TU
    RESP_1XX = auto()
    RESP_2XX = auto()
    RESP_ERROR = auto()
    TIMER_TRYING = auto()
    TIMER_A = auto()
    TIMER_B = auto()
    TIMER_D = auto()
    TIMER_E = auto()
    TIMER_F = auto()
    TIMER_G = auto()
    TIMER_H = auto()
    TIMER_I = auto()
    TIMER_J = auto()
    TIMER_K = auto()
    TIMER_L = auto()
    TIMER_M = auto()
    # 64*T1 after we cancelled the INVITE (§9.1), or after its dialog ended, and still no
    # final response: the transaction is given up.
    GIVE_UP = auto()
    TRANSPORT_ERROR = auto()


class Action(Enum):
    SEND_RESPONSE = auto()  # send the response the TU just gave
    RESEND_RESPONSE = auto()
    SEND_TRYING = auto()
    RESEND_REQUEST = auto()
    SEND_ACK = auto()
    PASS_UP = auto()  # hand the response to the TU
    TIMEOUT_UP = auto()
    TRANSPORT_ERROR_UP = auto()
    START_A = auto()
    START_D = auto()
    START_E = auto()
    START_G = auto()
    START_H = auto()
    START_I = auto()
    START_J = auto()
    START_K = auto()
    START_L = auto()
    START_M = auto()


K, S, I, A = Kind, State, Input, Action  # noqa: E741 - short names keep the table readable
_IS, _NS, _IC, _NC = K.INVITE_SERVER, K.NON_INVITE_SERVER, K.INVITE_CLIENT, K.NON_INVITE_CLIENT

TABLE: dict[tuple[Kind, State, Input], tuple[State, tuple[Action, ...]]] = {
    # INVITE server, §17.2.1 and RFC 6026 §7.1
    (_IS, S.PROCEEDING, I.REQUEST_AGAIN): (S.PROCEEDING, (A.RESEND_RESPONSE,)),
    (_IS, S.PROCEEDING, I.TIMER_TRYING): (S.PROCEEDING, (A.SEND_TRYING,)),
    (_IS, S.PROCEEDING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_IS, S.PROCEEDING, I.TU_2XX): (S.ACCEPTED, (A.SEND_RESPONSE, A.START_L)),
    (_IS, S.PROCEEDING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_G, A.START_H)),
    (_IS, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IS, S.ACCEPTED, I.REQUEST_AGAIN): (S.ACCEPTED, ()),
    (_IS, S.ACCEPTED, I.TU_2XX): (S.ACCEPTED, (A.SEND_RESPONSE,)),
    (_IS, S.ACCEPTED, I.TIMER_L): (S.TERMINATED, ()),
    (_IS, S.COMPLETED, I.REQUEST_AGAIN): (S.COMPLETED, (A.RESEND_RESPONSE,)),
    (_IS, S.COMPLETED, I.ACK): (S.CONFIRMED, (A.START_I,)),
    (_IS, S.COMPLETED, I.TIMER_G): (S.COMPLETED, (A.RESEND_RESPONSE, A.START_G)),
    (_IS, S.COMPLETED, I.TIMER_H): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IS, S.COMPLETED, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IS, S.CONFIRMED, I.ACK): (S.CONFIRMED, ()),
    (_IS, S.CONFIRMED, I.REQUEST_AGAIN): (S.CONFIRMED, ()),
    (_IS, S.CONFIRMED, I.TIMER_I): (S.TERMINATED, ()),
    # non-INVITE server, §17.2.2
    (_NS, S.TRYING, I.REQUEST_AGAIN): (S.TRYING, ()),
    (_NS, S.TRYING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_NS, S.TRYING, I.TU_2XX): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.TRYING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.REQUEST_AGAIN): (S.PROCEEDING, (A.RESEND_RESPONSE,)),
    (_NS, S.PROCEEDING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_NS, S.PROCEEDING, I.TU_2XX): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NS, S.COMPLETED, I.REQUEST_AGAIN): (S.COMPLETED, (A.RESEND_RESPONSE,)),
    (_NS, S.COMPLETED, I.TIMER_J): (S.TERMINATED, ()),
    # INVITE client, §17.1.1 and RFC 6026 §7.2
    (_IC, S.CALLING, I.TIMER_A): (S.CALLING, (A.RESEND_REQUEST, A.START_A)),
    (_IC, S.CALLING, I.TIMER_B): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IC, S.CALLING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_IC, S.CALLING, I.RESP_2XX): (S.ACCEPTED, (A.START_M, A.PASS_UP)),
    (_IC, S.CALLING, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK, A.START_D, A.PASS_UP)),
    (_IC, S.CALLING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IC, S.PROCEEDING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_IC, S.PROCEEDING, I.RESP_2XX): (S.ACCEPTED, (A.START_M, A.PASS_UP)),
    (_IC, S.PROCEEDING, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK, A.START_D, A.PASS_UP)),
    (_IC, S.PROCEEDING, I.GIVE_UP): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IC, S.ACCEPTED, I.RESP_2XX): (S.ACCEPTED, (A.PASS_UP,)),
    (_IC, S.ACCEPTED, I.TIMER_M): (S.TERMINATED, ()),
    (_IC, S.COMPLETED, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK,)),
    (_IC, S.COMPLETED, I.TIMER_D): (S.TERMINATED, ()),
    # non-INVITE client, §17.1.2
    (_NC, S.TRYING, I.TIMER_E): (S.TRYING, (A.RESEND_REQUEST, A.START_E)),
    (_NC, S.TRYING, I.TIMER_F): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_NC, S.TRYING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_NC, S.TRYING, I.RESP_2XX): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.TRYING, I.RESP_ERROR): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.TRYING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NC, S.PROCEEDING, I.TIMER_E): (S.PROCEEDING, (A.RESEND_REQUEST, A.START_E)),
    (_NC, S.PROCEEDING, I.TIMER_F): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_NC, S.PROCEEDING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_NC, S.PROCEEDING, I.RESP_2XX): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.PROCEEDING, I.RESP_ERROR): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NC, S.COMPLETED, I.TIMER_K): (S.TERMINATED, ()),
}
del K, S, I, A


FIXED_TIMERS: dict[Action, tuple[float, str]] = {
    Action.START_D: (32.0, "TIMER_D"),
    Action.START_H: (64 * T1, "TIMER_H"),
    Action.START_I: (T4, "TIMER_I"),
    Action.START_J: (64 * T1, "TIMER_J"),
    Action.START_K: (T4, "TIMER_K"),
    Action.START_L: (64 * T1, "TIMER_L"),
    Action.START_M: (64 * T1, "TIMER_M"),
}
