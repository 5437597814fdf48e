"""What the agent desktop and the supervisor screens show about live calls, and what agents
write after a call: the screen pop, the list of live calls, dispositions and notes."""

from frontdesk import FrontdeskError


class DeskError(FrontdeskError):
    """A desk operation was refused; `error_id` says which kind of refusal."""

    error_id = "desk_error"


class UnknownCall(DeskError):
    error_id = "unknown_call"


class BadWrapUp(DeskError):
    error_id = "bad_wrap_up"
