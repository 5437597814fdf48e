"""What a demo run does: how busy the phones are, who is simulated, how people behave.

The command line sets the first few fields; the rest are the simulated people's habits, chosen
so that a few minutes of demo show every outcome on the wallboard (answered, abandoned, kept
place for a callback, self-service, breaks) without the queue growing without end.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.demo import DemoError

MAX_CALLS_PER_MINUTE = 600.0


@dataclass(frozen=True, slots=True)
class DemoSettings:
    calls_per_minute: float = 4.0  # the Poisson arrival rate of simulated callers
    agents: int = 3  # simulated agents (the company's first, then made-up ones)
    leave_for_browser: tuple[str, ...] = ("alice",)  # agents the simulation never registers
    duration_s: float | None = None  # None: until Ctrl-C
    seed: int | None = None  # None: a different demo each run
    # Callers
    known_caller_share: float = 0.7  # dial from a number of the demo CRM (screen pops)
    patience_mean_s: float = 45.0  # exponential patience while queued, then they hang up
    callback_share: float = 0.2  # queued callers who press the callback key (keep my place)
    callback_after_s: tuple[float, float] = (6.0, 20.0)  # how long they wait before pressing
    keys_after_s: float = 2.0  # first menu key after the answer (typed ahead of the prompts)
    customer_no_answer_share: float = 0.15  # a callback to a customer that rings out
    # Agents
    ring_s: tuple[float, float] = (1.5, 5.0)  # ringing before an agent picks up
    talk_median_s: float = 35.0  # lognormal talk time: median and sigma of its logarithm
    talk_sigma: float = 0.5
    talk_bounds_s: tuple[float, float] = (8.0, 600.0)
    break_share: float = 0.1  # calls after which an agent takes a break
    break_s: tuple[float, float] = (20.0, 60.0)
    max_call_s: float = 900.0  # a simulated caller never stays longer than this

    def check(self) -> DemoSettings:
        """Itself when every setting can work, else a DemoError saying which cannot."""
        if not 0 < self.calls_per_minute <= MAX_CALLS_PER_MINUTE:
            raise DemoError(
                f"--calls-per-minute must be above 0 and at most {MAX_CALLS_PER_MINUTE:.0f} "
                f"(got {self.calls_per_minute:g})"
            )
        if self.agents < 0:
            raise DemoError(f"--agents must be 0 or more (got {self.agents})")
        if self.duration_s is not None and self.duration_s <= 0:
            raise DemoError(
                f"--duration must be a positive number of seconds (got {self.duration_s:g})"
            )
        shares = {
            "known_caller_share": self.known_caller_share,
            "callback_share": self.callback_share,
            "customer_no_answer_share": self.customer_no_answer_share,
            "break_share": self.break_share,
        }
        for name, share in shares.items():
            if not 0.0 <= share <= 1.0:
                raise DemoError(f"{name} is a share between 0 and 1 (got {share:g})")
        for name, (low, high) in {
            "callback_after_s": self.callback_after_s,
            "ring_s": self.ring_s,
            "talk_bounds_s": self.talk_bounds_s,
            "break_s": self.break_s,
        }.items():
            if not 0.0 <= low <= high:
                raise DemoError(
                    f"{name} must be a range LOW <= HIGH of seconds (got {low:g}, {high:g})"
                )
        if self.talk_median_s <= 0 or self.talk_sigma < 0 or self.patience_mean_s <= 0:
            raise DemoError("talk time median, its sigma and the patience mean must be positive")
        return self
