"""Split fractions -> integer member weights for the data plane's action-selector groups.

A weighted group is installed as members whose weights sum to at most `max_total` (BMv2-style
selectors hash over members, so weight w means w copies; the group size bound keeps that
table small). Largest-remainder rounding gives each share within 1/max_total of its target,
and the weights are divided by their common divisor so an even split installs as 1:1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_MAX_GROUP_WEIGHT = 64


@dataclass(frozen=True)
class RoundedWeights:
    weights: tuple[int, ...]  # same order as the fractions; 0 = member left out
    #: Largest |installed share - target share| over the members.
    error: float


def round_weights(
    fractions: Sequence[float], max_total: int = DEFAULT_MAX_GROUP_WEIGHT
) -> RoundedWeights:
    """Integer weights summing to at most max_total whose shares best match `fractions`.

    Fractions are normalised first, so any non-negative split works (rates or shares).
    """
    if max_total < 1:
        raise ValueError(f"max_total must be at least 1, got {max_total}")
    if any(f < 0 or not math.isfinite(f) for f in fractions):
        raise ValueError(f"fractions must be finite and non-negative, got {list(fractions)}")
    total = sum(fractions)
    if not fractions or total <= 0:
        raise ValueError("at least one positive fraction is needed")
    targets = [f / total for f in fractions]
    exact = [t * max_total for t in targets]
    weights = [math.floor(x) for x in exact]
    remaining = max_total - sum(weights)
    # Hand out what is left by largest remainder; earlier members win ties (deterministic).
    order = sorted(range(len(exact)), key=lambda i: (weights[i] - exact[i], i))
    for i in order[:remaining]:
        weights[i] += 1
    divisor = math.gcd(*weights)
    weights = [w // divisor for w in weights]
    installed = sum(weights)
    error = max(abs(w / installed - t) for w, t in zip(weights, targets, strict=True))
    return RoundedWeights(tuple(weights), error)
