"""Scenarios: each a module with `DESCRIPTION`, `run(ctx) -> ScenarioResult` and, when it needs
a bottleneck inside the P4 switches, `shaping(topology) -> {switch: SwitchShaping}`.

The FANTEL use cases of issue 7: (a) `migration`, (b) `remote-access`, (c) `failure`,
(d) `split-learning`, (e) `inference`.
"""

from __future__ import annotations

from types import ModuleType

from topologies.scenarios import failure, inference, migration, remote_access, split_learning

SCENARIOS: dict[str, ModuleType] = {
    "failure": failure,
    "inference": inference,
    "migration": migration,
    "remote-access": remote_access,
    "split-learning": split_learning,
}


def describe() -> str:
    """One line per scenario, for `--help`."""
    return "\n".join(
        f"  {name:<15} {module.DESCRIPTION}" for name, module in sorted(SCENARIOS.items())
    )


def get(name: str) -> ModuleType:
    if name not in SCENARIOS:
        raise KeyError(
            f"unknown scenario {name!r}; valid scenarios: {', '.join(sorted(SCENARIOS))}"
        )
    return SCENARIOS[name]
