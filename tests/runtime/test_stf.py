from pathlib import Path

import pytest

from softswitch.runtime.tables import (
    ExactMatch,
    LpmMatch,
    MatchKind,
    OptionalMatch,
    RangeMatch,
    TernaryMatch,
)
from softswitch.stf import (
    Add,
    CheckCounter,
    CounterRead,
    CounterWrite,
    Expect,
    McMgrpCreate,
    McNodeAssociate,
    McNodeCreate,
    MeterArraySetRates,
    MeterSetRates,
    MirroringAdd,
    MirroringAddMc,
    NoPacket,
    Packet,
    RegisterRead,
    RegisterReset,
    RegisterWrite,
    RemoveAll,
    SetDefault,
    StfError,
    StfMatch,
    Wait,
    format_packet_diff,
    match_expected,
    parse_number,
    parse_stf,
    parse_stf_file,
)

SAMPLE = """\
# table entries
add test2 100 data.f2:0x04040404 c4_6(val4:0x4040, val5:0x5050, port:2)
add tab1 dstAddr:0xa1a2a3a4a5a6 act(port:2) = A
ADD ipv4_lpm hdr.ipv4.dstAddr:10.0.0.0/8 set_nhop(port:1)
add acl 10 hdr.h.f:0x0a0b&&&0xff00 hdr.h.p:1000->2000 ingress.allow ()
add t hdr.s[1].f:0b1*0* a()
setdefault ethertype_match l2_packet()
packet 0 01010101 03030303 9999   # trailing comment
expect 1 *1010101 03030303 99 99 $
expect 5
no_packet
check_counter cntDum(10) packets == 2
check_counter cntDum($A)
check_counter c(3) bytes >= 100
wait
remove all
mirroring_add 5 3
mirroring_add_mc 6 2
mc_mgrp_create 1
mc_node_create 0 1 2 3
mc_node_associate 1 0
counter_read ingress.c 3
counter_write ingress.c 3 10 1000
register_read r 1
register_write r 1 0x2a
register_reset r
meter_set_rates m 0 0.0001:1 0.0005:2
meter_array_set_rates m 1:10 2:20
"""


def test_sample_parses_to_typed_commands() -> None:
    commands = parse_stf(SAMPLE.replace("10.0.0.0/8", "0x0a000000/8"), "sample.stf")
    n = parse_number
    assert commands[0] == Add(
        2,
        "test2",
        100,
        (StfMatch("data.f2", n("0x04040404")),),
        "c4_6",
        (("val4", n("0x4040")), ("val5", n("0x5050")), ("port", n("2"))),
    )
    assert commands[1] == Add(
        3,
        "tab1",
        None,
        (StfMatch("dstAddr", n("0xa1a2a3a4a5a6")),),
        "act",
        (("port", n("2")),),
        "A",
    )
    assert commands[2].matches == (  # type: ignore[union-attr]
        StfMatch("hdr.ipv4.dstAddr", n("0x0a000000"), prefix_len=8),
    )
    acl = commands[3]
    assert isinstance(acl, Add) and acl.action == "ingress.allow" and acl.priority == 10
    assert acl.matches == (
        StfMatch("hdr.h.f", n("0x0a0b"), mask=n("0xff00")),
        StfMatch("hdr.h.p", n("1000"), high=n("2000")),
    )
    assert commands[4].matches[0].field == "hdr.s[1].f"  # type: ignore[union-attr]
    assert commands[5:] == [
        SetDefault(7, "ethertype_match", "l2_packet", ()),
        Packet(8, 0, bytes.fromhex("010101010303030399 99".replace(" ", ""))),
        Expect(9, 1, "*10101010303030399 99$".replace(" ", "")),
        Expect(10, 5, None),
        NoPacket(11),
        CheckCounter(12, "cntDum", 10, "packets", "==", 2),
        CheckCounter(13, "cntDum", "A", None, "==", 0),
        CheckCounter(14, "c", 3, "bytes", ">=", 100),
        Wait(15),
        RemoveAll(16),
        MirroringAdd(17, 5, 3),
        MirroringAddMc(18, 6, 2),
        McMgrpCreate(19, 1),
        McNodeCreate(20, 0, (1, 2, 3)),
        McNodeAssociate(21, 1, 0),
        CounterRead(22, "ingress.c", 3),
        CounterWrite(23, "ingress.c", 3, 10, 1000),
        RegisterRead(24, "r", 1),
        RegisterWrite(25, "r", 1, 42),
        RegisterReset(26, "r"),
        MeterSetRates(27, "m", 0, ((0.0001, 1), (0.0005, 2))),
        MeterArraySetRates(28, "m", ((1.0, 10), (2.0, 20))),
    ]


def test_odd_packet_digit_is_a_byte_of_its_own() -> None:
    # bmv2stf HexToByte: gauntlet_index_3-bmv2.stf ends its packets with a lone "0".
    (packet,) = parse_stf("packet 0 0102 03a\n", "odd.stf")
    assert isinstance(packet, Packet)
    assert packet.data == b"\x01\x02\x03\x0a"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("packet 0 01zz", "hex digits"),
        ("expect 1 01 02 $$", "final '\\$'"),
        ("add t k:0x1", "missing action call"),
        ("add t k=1 a()", "expected field:value"),
        ("add t k:1/x a()", "bad prefix length"),
        ("mirroring_add 1", "usage: mirroring_add"),
        ("frobnicate 1", "unknown command 'frobnicate'"),
        ("check_counter c", "check_counter name"),
        ("meter_set_rates m 0 fast:1", "not a rate"),
    ],
)
def test_errors_carry_file_and_line(line: str, message: str) -> None:
    with pytest.raises(StfError, match=message) as info:
        parse_stf(f"# header\n\n{line}\n", "bad.stf")
    assert str(info.value).startswith("bad.stf:3: ")
    assert info.value.line == 3


def test_parse_stf_file_reports_unreadable_file(tmp_path: Path) -> None:
    good = tmp_path / "t.stf"
    good.write_text("wait\n")
    assert parse_stf_file(good) == [Wait(1)]
    with pytest.raises(StfError, match="cannot read"):
        parse_stf_file(tmp_path / "missing.stf")


def test_numbers_with_wildcards() -> None:
    num = parse_number("0x**0f")
    assert (num.value, num.digit_mask, num.digit_bits) == (0x0F, 0x00FF, 16)
    num = parse_number("0b1*0")
    assert (num.value, num.digit_mask) == (0b100, 0b101)
    assert parse_number("0o17").value == 15
    assert parse_number("42").digit_mask is None
    with pytest.raises(ValueError):
        parse_number("0xg1")


def test_match_conversion_follows_bmv2stf() -> None:
    n = parse_number
    assert StfMatch("f", n("0x0a0b****")).to_field_match(MatchKind.LPM, 32) == LpmMatch(
        0x0A0B0000, 16
    )
    assert StfMatch("f", n("0x0a000000"), prefix_len=8).to_field_match(
        MatchKind.LPM, 32
    ) == LpmMatch(0x0A000000, 8)
    assert StfMatch("f", n("10")).to_field_match(MatchKind.LPM, 32) == LpmMatch(10, 32)
    assert StfMatch("f", n("0x****0101")).to_field_match(MatchKind.TERNARY, 32) == TernaryMatch(
        0x0101, 0x0000FFFF
    )
    assert StfMatch("f", n("0x0a0b"), mask=n("0xff00")).to_field_match(
        MatchKind.TERNARY, 16
    ) == TernaryMatch(0x0A0B, 0xFF00)
    assert StfMatch("f", n("7")).to_field_match(MatchKind.TERNARY, 8) == TernaryMatch(7, 0xFF)
    assert StfMatch("f", n("5"), high=n("9")).to_field_match(MatchKind.RANGE, 8) == RangeMatch(5, 9)
    assert StfMatch("f", n("5")).to_field_match(MatchKind.RANGE, 8) == RangeMatch(5, 5)
    assert StfMatch("f", n("6")).to_field_match(MatchKind.OPTIONAL, 8) == OptionalMatch(6)
    assert StfMatch("f", n("0x**")).to_field_match(MatchKind.OPTIONAL, 8) is None
    assert StfMatch("f", n("0x1234")).to_field_match(MatchKind.EXACT, 16) == ExactMatch(0x1234)
    with pytest.raises(ValueError, match="exact field"):
        StfMatch("f", n("0x12**")).to_field_match(MatchKind.EXACT, 16)


def test_match_expected_wildcards_and_length_rules() -> None:
    got = bytes.fromhex("0102030405")
    assert match_expected("0102030405", got)
    assert match_expected("01*2", got)
    assert match_expected("0102", got)  # longer packets pass without '$'
    assert not match_expected("0102$", got)
    assert match_expected("01**030405$", got)
    assert not match_expected("010203040506", got)  # too short
    assert not match_expected("0103", got)
    assert match_expected("", b"")


def test_diff_marks_differing_nibbles() -> None:
    diff = format_packet_diff("01*2FF$", bytes.fromhex("010203"))
    assert diff.splitlines() == [
        "expected 3 bytes (exact length), received 3 bytes",
        "000000  expected 01 *2 FF",
        "        received 01 02 03",
        "                       ^^",
    ]
    short = format_packet_diff("0102", bytes.fromhex("01"))
    assert short.splitlines()[-1] == "                    ^^"


def test_addresses_are_values_as_in_simple_switch_cli() -> None:
    # bmv2stf hands values to simple_switch_CLI, which reads IPv4, MAC and IPv6 addresses;
    # a key splits at its first ':' so a MAC value keeps its own.
    (add,) = parse_stf(
        "add t dst:00:11:22:33:44:55 ip:10.0.0.0/8 a(mac:aa:bb:cc:dd:ee:0f, v6:fe80::1)\n",
        "addr.stf",
    )
    assert isinstance(add, Add)
    mac, ip = add.matches
    assert (mac.field, mac.value.value) == ("dst", 0x001122334455)
    assert (ip.field, ip.value.value, ip.prefix_len) == ("ip", 0x0A000000, 8)
    assert [(name, n.value) for name, n in add.args] == [
        ("mac", 0xAABBCCDDEE0F),
        ("v6", 0xFE80_0000_0000_0000_0000_0000_0000_0001),
    ]
    with pytest.raises(ValueError, match="not a number"):
        parse_number("10.0.0")
