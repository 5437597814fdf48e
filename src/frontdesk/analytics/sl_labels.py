"""Short labels of the service-level definitions (DESIGN.md's names), for charts and pages.

Kept apart from the chart modules so that a page naming the definitions does not import
matplotlib (a third of a second at server start).
"""

from __future__ import annotations

SL_SHORT = {
    "answered_within_t_over_offered": "answered ≤ T / offered",
    "answered_within_t_over_answered": "answered ≤ T / answered",
    "answered_within_t_over_answered_plus_abandoned": "answered ≤ T / (answered + abandoned)",
    "answered_and_abandoned_within_t_over_offered": "(answered + abandoned) ≤ T / offered",
    "answered_within_t_over_offered_minus_short_abandons": "answered ≤ T / (offered − short ab.)",
}
