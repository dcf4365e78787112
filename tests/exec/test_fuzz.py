"""Random, truncated and oversized packets never raise out of the switch (property-based)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from softswitch.runtime.clock import VirtualClock
from softswitch.switch import Switch

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = {
    "fantel": ROOT / "p4src" / "v1model" / "fantel_v1model.p4",
    "l3fwd": ROOT / "bench" / "p4" / "l3fwd.p4",
    "parser_features": Path(__file__).parent / "programs" / "parser_features.p4",
}
_switches: dict[str, Switch] = {}


def switch(name: str) -> Switch:
    if name not in _switches:
        path = PROGRAMS[name]
        if not path.exists():
            pytest.skip(f"{path} not present")
        _switches[name] = Switch.from_file(path, clock=VirtualClock())
    return _switches[name]


packets = st.one_of(
    st.binary(max_size=80),
    st.binary(min_size=1500, max_size=9000),
    # Ethernet + IPv4-looking prefixes so parsers get past their first states.
    st.builds(
        lambda tail: bytes.fromhex("00aa000000010000000000bb0800") + tail, st.binary(max_size=120)
    ),
)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(port=st.integers(0, 511), data=packets)
def test_any_bytes_are_processed_without_error(name: str, port: int, data: bytes) -> None:
    sw = switch(name)
    sw.inject(port, data)
    for out_port, out in sw.take_outputs():
        assert 0 <= out_port < 512
        assert isinstance(out, bytes)
    assert sw.errors == []
