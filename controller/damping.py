"""Link-flap damping: a failure takes a link out of TE at once, a recovery only after a hold-down.

Without it a flapping link costs a TE solve and a fleet install on every up and every down,
and traffic is moved back onto a link that is about to fail again. Each link carries a flap
penalty: every failure of an admitted or held-down link adds one, and the penalty halves every
`half_life_s` (RFC 2439's figure of merit, on a sub-second scale). A recovery starts a hold-down
of `hold_down_s x 2^(penalty - 1)`, at most `max_hold_down_s`: a first failure waits
`hold_down_s`, each recent flap doubles it, and a quiet link decays back to the base. A failure
during the hold-down cancels it, so a flap that ends within it changes nothing in TE.

A link has two ends and each reports its own port (FNs are about port objects): the link is
failed while either end is, and its hold-down starts only when both have recovered. The
damper is pure state with an injected clock; `controller.service` applies what it decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DampingSettings:
    #: Hold-down after a single failure; 0 turns damping off (a recovery re-admits at once).
    hold_down_s: float = 1.0
    #: The hold-down never grows beyond this, however often the link flaps (`wait_idle` waits
    #: for pending hold-downs: the testbed and e2e tests allow 10-30 s for it).
    max_hold_down_s: float = 10.0
    #: The flap penalty halves in this time without a new failure.
    half_life_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return self.hold_down_s > 0

    def as_dict(self) -> dict[str, str]:
        return {
            "hold_down": f"{self.hold_down_s:g}s",
            "max_hold_down": f"{self.max_hold_down_s:g}s",
            "half_life": f"{self.half_life_s:g}s",
        }


@dataclass
class _Link:
    failed_ends: set[str] = field(default_factory=set)
    penalty: float = 0.0
    penalty_at: float = 0.0
    #: When a pending hold-down ends (the link is up on the wire, not yet in TE).
    readmit_at: float | None = None


@dataclass(frozen=True)
class Failure:
    """A link end failed. `takes_down`: the link was in TE and must leave it now.
    `interrupted_hold_down`: it failed again while waiting to be re-admitted (a damped flap)."""

    takes_down: bool
    interrupted_hold_down: bool
    penalty: float


@dataclass(frozen=True)
class HoldDown:
    """Both ends recovered: the link goes back into TE at `readmit_at` unless it fails first."""

    readmit_at: float
    seconds: float
    penalty: float


@dataclass
class FlapDamper:
    settings: DampingSettings = field(default_factory=DampingSettings)
    _links: dict[str, _Link] = field(default_factory=dict)

    def penalty(self, link: str, now: float) -> float:
        """The link's flap penalty decayed to `now`."""
        state = self._links.get(link)
        if state is None:
            return 0.0
        elapsed = max(0.0, now - state.penalty_at)
        return state.penalty * 0.5 ** (elapsed / self.settings.half_life_s)

    def failed(self, link: str, end: str, now: float) -> Failure:
        """End `end` of `link` reported a failure."""
        state = self._links.setdefault(link, _Link())
        was_failed = bool(state.failed_ends)
        state.failed_ends.add(end)
        if was_failed:
            return Failure(False, False, self.penalty(link, now))
        state.penalty = self.penalty(link, now) + 1.0
        state.penalty_at = now
        holding, state.readmit_at = state.readmit_at is not None, None
        # A held-down link is out of TE already: nothing to take down.
        return Failure(not holding, holding, state.penalty)

    def recovered(self, link: str, end: str, now: float) -> HoldDown | None:
        """End `end` recovered; the hold-down when this was the last failed end, else None
        (the other end still fails, or the link was not failed at all)."""
        state = self._links.get(link)
        if state is None or end not in state.failed_ends:
            return None
        state.failed_ends.discard(end)
        if state.failed_ends:
            return None
        penalty = self.penalty(link, now)
        seconds = self.hold_down_s(penalty)
        state.readmit_at = now + seconds
        return HoldDown(state.readmit_at, seconds, penalty)

    def hold_down_s(self, penalty: float) -> float:
        """The hold-down a recovery gets at this penalty (0 when damping is off)."""
        if not self.settings.enabled:
            return 0.0
        grown = self.settings.hold_down_s * 2.0 ** max(0.0, penalty - 1.0)
        return min(self.settings.max_hold_down_s, grown)

    def due(self, now: float) -> list[str]:
        """Links whose hold-down has ended: they go back into TE now (and are forgotten as
        pending, so each is returned once)."""
        ready = sorted(
            name
            for name, s in self._links.items()
            if s.readmit_at is not None and s.readmit_at <= now
        )
        for name in ready:
            self._links[name].readmit_at = None
        return ready

    def pending(self) -> bool:
        """Whether any link waits out a hold-down."""
        return any(s.readmit_at is not None for s in self._links.values())

    def holding(self, now: float) -> dict[str, float]:
        """Links up on the wire but held out of TE: seconds until each is re-admitted."""
        return {
            name: max(0.0, s.readmit_at - now)
            for name, s in sorted(self._links.items())
            if s.readmit_at is not None
        }

    def reset(self, link: str) -> None:
        """An operator set the link's state: notifications so far no longer apply to it
        (a pending re-admission must not undo an operator's `link down`)."""
        state = self._links.get(link)
        if state is not None:
            state.failed_ends.clear()
            state.readmit_at = None
