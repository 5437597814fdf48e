"""Frontdesk: a self-hosted contact-centre phone server."""

__version__ = "0.1.0"


class FrontdeskError(Exception):
    """Root of every error Frontdesk raises on purpose."""
