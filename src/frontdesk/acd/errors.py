"""Errors of the routing engine: one root, a few precise kinds, each with a plain sentence."""

from __future__ import annotations

from frontdesk import FrontdeskError


class AcdError(FrontdeskError):
    """Root of every error the routing engine raises; the engine's state is unchanged."""


class ExpressionError(AcdError):
    """A skill requirement expression cannot be read; says where and why."""


class ConfigurationError(AcdError):
    """A queue, agent or engine setting is invalid or refers to something unknown."""


class IllegalTransition(AcdError):
    """An input asked for a state change the transition table does not allow."""


class UnknownEntity(AcdError):
    """An input names an agent, queue or contact the engine does not know."""
