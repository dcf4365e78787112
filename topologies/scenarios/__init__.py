"""Scenarios: each a module with `DESCRIPTION` and `run(ctx) -> ScenarioResult`.

Implemented: `failure` (c) cross-AIDC training with a link failure mid-run. The other FANTEL use
cases of issue 7 - (a) sample-data migration, (b) remote sample-data access, (d) split learning,
(e) coordinated inference - are not implemented yet and are therefore not offered.
"""

from __future__ import annotations

from types import ModuleType

from topologies.scenarios import failure

SCENARIOS: dict[str, ModuleType] = {"failure": failure}


def get(name: str) -> ModuleType:
    if name not in SCENARIOS:
        raise KeyError(
            f"unknown scenario {name!r}; valid scenarios: {', '.join(sorted(SCENARIOS))}"
        )
    return SCENARIOS[name]
