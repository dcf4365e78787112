"""The Switch API on a program with hashes, a selector, a direct meter and a digest."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from softswitch.runtime.actions import GroupRef
from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.errors import InvalidArgumentError, NotFoundError, RuntimeApiError
from softswitch.runtime.externs import MeterRate
from softswitch.switch import Switch

PROGRAM = Path(__file__).parent / "api" / "extras.p4"
ETH = bytes.fromhex("0000000000010000000000aa0800")


@pytest.fixture(scope="module")
def checked():  # type: ignore[no-untyped-def]
    from softswitch.frontend.compiler import compile_file

    return compile_file(PROGRAM)


@pytest.fixture
def sw(checked) -> Switch:  # type: ignore[no-untyped-def]
    return Switch(checked, clock=VirtualClock())


def packet(a: int, b: int) -> bytes:
    return ETH + struct.pack("!II", a, b) + bytes(15)


def crc16_arc(data: bytes) -> int:
    """Reference CRC-16/ARC (BMv2 crc16): reflected poly 0x8005, init 0."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def csum16(data: bytes) -> int:
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def fields(out: bytes) -> tuple[int, ...]:
    return struct.unpack("!IIHIHHHHB", out[14:])


def test_hash_algorithms_over_field_lists(sw: Switch) -> None:
    a, b = 0x01020304, 0xA0B0C0D0
    sw.inject(3, packet(a, b))
    [(port, out)] = sw.take_outputs()
    assert port == 1
    data = struct.pack("!II", a, b)
    _, _, h16, h32, hcsum, hxor, hident, hmod, _ = fields(out)
    assert h16 == crc16_arc(data)
    assert h32 == zlib.crc32(data)
    assert hcsum == csum16(data)
    assert hxor == 0x0102 ^ 0x0304 ^ 0xA0B0 ^ 0xC0D0
    assert hident == b & 0xFFFF
    assert hmod == 100 + zlib.crc32(struct.pack("!I", a)) % 10


def test_digest_carries_field_values(sw: Switch) -> None:
    sw.inject(7, packet(1, 2))
    [digest] = sw.take_digests()
    assert digest.name == "learn_t"
    assert digest.values == {"src": 0xAA, "port": 7}


def test_digest_fields_are_read_at_the_end_of_ingress(sw: Switch) -> None:
    sw.inject(7, packet(1, 0xD16E57))  # ingress rewrites eth.src after the digest() call
    [digest] = sw.take_digests()
    assert digest.values == {"src": 0xBB, "port": 7}


def test_selector_spreads_by_hash_over_group_members(sw: Switch) -> None:
    for member, port in ((1, 4), (2, 5), (3, 6)):
        sw.profile_add_member("sel", member, "fwd", {"port": port})
    sw.profile_create_group("sel", 10, [1, 2, 3])
    sw.table_add("t_sel", {"hdr.eth.type": 0x0800}, GroupRef(10))
    seen = set()
    for a in range(40):
        sw.inject(0, packet(a, 0))
        [(port, _)] = sw.take_outputs()
        # BMv2: member index = crc16(selector fields) % live members, in member order
        assert port == (4, 5, 6)[crc16_arc(struct.pack("!I", a)) % 3]
        seen.add(port)
    assert seen == {4, 5, 6}


def test_direct_meter_colours_per_entry(sw: Switch) -> None:
    entry = sw.table_add("t_meter", {"hdr.eth.dst": 1}, "colour")
    assert entry.meter is not None
    entry.meter.set_rates([MeterRate(0.000001, 1), MeterRate(0.000001, 2)])
    colours = []
    for _ in range(3):
        sw.inject(0, packet(0, 0))
        [(_, out)] = sw.take_outputs()
        colours.append(out[-1])
    assert colours == [0, 1, 2]
    assert (entry.packets, entry.bytes) == (3, 3 * len(packet(0, 0)))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda s: s.table_add("nope", {}, "fwd", {"port": 1}), NotFoundError),
        (
            lambda s: s.table_add("t_meter", {"hdr.eth.dst": 1 << 48}, "colour"),
            InvalidArgumentError,
        ),
        (
            lambda s: s.table_add("t_meter", {"hdr.eth.dst": 1}, "fwd", {"port": 1}),
            InvalidArgumentError,
        ),
        (lambda s: s.profile_add_member("sel", 1, "fwd", {}), InvalidArgumentError),
        (lambda s: s.profile_add_member("sel", 1, "fwd", {"port": 512}), InvalidArgumentError),
        (lambda s: s.table_add("t_meter", {"hdr.eth.nope": 1}, "colour"), NotFoundError),
    ],
)
def test_bad_writes_raise_and_change_nothing(sw: Switch, call, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        call(sw)
    assert sw.table_entries("t_meter") == []
    assert sw.profile("sel").members() == {}


def test_errors_are_runtime_api_errors(sw: Switch) -> None:
    with pytest.raises(RuntimeApiError):
        sw.register_read("missing", 0)


def test_truncated_and_empty_packets_never_raise(sw: Switch) -> None:
    for size in range(0, 40):
        sw.inject(0, packet(1, 2)[:size])
    assert sw.errors == []
    # short packets still reach ingress and leave on port 1 with their bytes intact
    outs = sw.take_outputs()
    assert len(outs) == 40
    assert outs[5] == (1, packet(1, 2)[:5])


def test_parser_value_set_members_select_states() -> None:
    sw = Switch.from_file(Path(__file__).parent / "api" / "value_set.p4", clock=VirtualClock())
    frame = bytes(12) + b"\x88\x47" + b"\x00\x01"
    sw.inject(0, frame)
    sw.value_set_set("tagged_types", [(0x8800, 0xFF00)])
    sw.inject(0, frame)
    assert [port for port, _ in sw.take_outputs()] == [1, 2]
    with pytest.raises(RuntimeApiError):
        sw.value_set_set("tagged_types", [(1, 0xFFFF)] * 5)
    assert sw.value_set("tagged_types").members == [(0x8800, 0xFF00)]


def test_idle_timeout_counts_from_the_last_hit() -> None:
    clock = VirtualClock()
    sw = Switch.from_file(Path(__file__).parent / "api" / "idle.p4", clock=clock)
    sw.table_add("t", {"hdr.h.k": 1}, "NoAction", idle_timeout_ns=1000)
    clock.advance_ns(500)
    sw.inject(0, b"\x01")  # a hit restarts the timer
    clock.advance_ns(800)
    assert sw.expired_entries() == []
    clock.advance_ns(300)
    assert [name for name, _ in sw.expired_entries()] == ["ig.t"]


def test_record_false_hands_outputs_and_digests_to_callbacks_only(checked) -> None:  # type: ignore[no-untyped-def]
    sw = Switch(checked, clock=VirtualClock(), record=False)
    outputs: list[tuple[int, bytes]] = []
    digests = []
    sw.on_output(lambda port, data: outputs.append((port, data)))
    sw.on_digest(digests.append)
    sw.inject(7, packet(1, 2))
    [(port, out)] = outputs
    assert port == 1 and out[:22] == packet(1, 2)[:22]
    assert [d.values for d in digests] == [{"src": 0xAA, "port": 7}]
    assert sw.take_outputs() == [] and sw.take_digests() == []


def test_run_due_releases_only_what_is_due() -> None:
    clock = VirtualClock()
    sw = Switch.from_file(Path(__file__).parent / "api" / "queues.p4", clock=clock)
    sw.set_queue_rate(1, 1000)
    frame = bytes(14) + bytes(11)
    sw.inject(0, frame)
    sw.inject(0, frame)
    assert len(sw.take_outputs()) == 1
    assert sw.run_due() == 1_000_000 == sw.next_departure_ns()
    assert sw.take_outputs() == []
    clock.advance_ns(1_000_000)
    assert sw.run_due() is None
    assert len(sw.take_outputs()) == 1


def test_multicast_group_delete_and_table_action_names(sw: Switch) -> None:
    sw.mc_group_create(5)
    sw.mc_group_delete(5)
    assert 5 not in sw.multicast.groups()
    with pytest.raises(NotFoundError):
        sw.mc_group_delete(5)
    assert set(sw.table("t_sel").actions) == {"I.fwd", "NoAction"}
    assert set(sw.profile("sel").actions) == set(sw.table("t_sel").actions)


def test_an_extern_instantiated_in_an_action_is_the_controls_object() -> None:
    sw = Switch.from_file(Path(__file__).parent / "programs" / "action_instance.p4")
    sw.inject(0, b"\x00")
    sw.inject(0, b"\x00")
    assert sw.register_read("I.regs", 0) == 2
    assert [data for _, data in sw.take_outputs()] == [b"\x01", b"\x02"]


MASKED_KEY_PROGRAM = """
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> a; bit<8> b; bit<8> res; }
struct headers { h_t h; }
struct metadata { }
parser P(packet_in pk, out headers hdr, inout metadata m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control V(inout headers hdr, inout metadata m) { apply {} }
control I(inout headers hdr, inout metadata m, inout standard_metadata_t sm) {
    action set(bit<8> v) { hdr.h.res = v; }
    table t {
        key = { hdr.h.a & 0x0f : exact; hdr.h.b[3:0] : exact; }
        actions = { set; NoAction; }
    }
    apply { sm.egress_spec = 1; t.apply(); }
}
control E(inout headers hdr, inout metadata m, inout standard_metadata_t sm) { apply {} }
control C(inout headers hdr, inout metadata m) { apply {} }
control D(packet_out pk, in headers hdr) { apply { pk.emit(hdr); } }
V1Switch(P(), V(), I(), E(), C(), D()) main;
"""


def test_expression_keys_are_named_as_in_p4info(tmp_path: Path) -> None:
    program = tmp_path / "masked.p4"
    program.write_text(MASKED_KEY_PROGRAM)
    sw = Switch.from_file(program)
    assert [k.name for k in sw.table("I.t").key_fields] == ["hdr.h.a & 0xf", "hdr.h.b[3:0]"]
    sw.table_add("I.t", {"hdr.h.a & 0xf": 0x3, "hdr.h.b[3:0]": 0x4}, "set", {"v": 0x77})
    sw.inject(0, bytes([0xA3, 0xB4, 0x00]))
    assert sw.take_outputs() == [(1, bytes([0xA3, 0xB4, 0x77]))]
