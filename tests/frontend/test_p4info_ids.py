"""P4Runtime IDs and aliases against values p4c wrote in its golden P4Info files."""

from __future__ import annotations

import pytest
from finsy.proto import p4i

from softswitch.frontend.diagnostics import CompileError
from softswitch.frontend.p4info_ids import (
    SuffixSet,
    SymbolTable,
    allocate_field_ids,
    hashed_id,
    jenkins_one_at_a_time,
)
from softswitch.frontend.p4info_types import value_bytes

P = p4i.P4Ids


@pytest.mark.parametrize(
    ("prefix", "name", "expected"),
    [
        # testdata/p4_16_samples_outputs/*.p4info.txtpb (p4c)
        (P.ACTION, "NoAction", 21257015),
        (P.ACTION, "ingress.c.add", 29022044),
        (P.TABLE, "ingress.c.t", 43577110),
        (P.TABLE, "IngressI.indirect", 46872340),
        (P.TABLE, "IngressI.indirect_ws", 38116258),
        (P.ACTION_PROFILE, "ap", 294074782),
        (P.ACTION_PROFILE, "ap_ws", 300324846),
        (P.REGISTER, "ingress.flowlet_id", 384519412),
        (P.REGISTER, "ingress.flowlet_lasttime", 375147533),
        (P.CONTROLLER_HEADER, "packet_out_t", 75327753),
    ],
)
def test_hashed_ids_match_p4c(prefix: int, name: str, expected: int) -> None:
    assert hashed_id(prefix, name) == expected


def test_jenkins_hash_of_empty_and_known_string() -> None:
    assert jenkins_one_at_a_time(b"") == 0
    # Reference value of Jenkins' one-at-a-time hash for "a".
    assert jenkins_one_at_a_time(b"a") == 0xCA2E9442


def test_collision_probes_in_sorted_name_order() -> None:
    table = SymbolTable()
    # An explicit @id taking the hashed slot of "b" pushes "b" to the next hash value.
    taken = hashed_id(P.ACTION, "b")
    table.add(P.ACTION, "b")
    table.add(P.ACTION, "a", explicit_id=taken & 0xFFFFFF)
    table.assign_ids()
    assert table.id_of(P.ACTION, "a") == taken
    assert table.id_of(P.ACTION, "b") == taken + 1


def test_explicit_id_gets_prefix_and_wrong_prefix_is_an_error() -> None:
    table = SymbolTable()
    table.add(P.TABLE, "t", explicit_id=5)
    table.assign_ids()
    assert table.id_of(P.TABLE, "t") == (P.TABLE << 24) | 5
    with pytest.raises(CompileError, match="wrong 8-bit prefix"):
        SymbolTable().add(P.TABLE, "u", explicit_id=(P.ACTION << 24) | 5)


def test_duplicate_explicit_ids_are_an_error() -> None:
    table = SymbolTable()
    table.add(P.TABLE, "t", explicit_id=7)
    with pytest.raises(CompileError, match="assigned to multiple"):
        table.add(P.TABLE, "u", explicit_id=7)


def test_aliases_are_shortest_unique_suffixes_across_kinds() -> None:
    table = SymbolTable()
    for prefix, name in [
        (P.ACTION, "ingress._drop"),
        (P.ACTION, "egress._drop"),
        (P.ACTION, "ingress.set_nhop"),
        (P.TABLE, "ingress.c.t"),
        (P.TABLE, "ingress.d.t"),
        (P.REGISTER, "NoAction"),
    ]:
        table.add(prefix, name)
    table.assign_ids()
    assert table.alias("ingress._drop") == "ingress._drop"
    assert table.alias("ingress.set_nhop") == "set_nhop"
    assert table.alias("ingress.c.t") == "c.t"
    assert table.alias("NoAction") == "NoAction"


def test_suffix_set_ignores_repeated_names() -> None:
    suffixes = SuffixSet()
    suffixes.add("a.b")
    suffixes.add("a.b")
    assert suffixes.shortest_unique_suffix("a.b") == "b"


def test_field_ids_sequential_with_explicit_ids_kept() -> None:
    assert allocate_field_ids([None, None, None]) == [1, 2, 3]
    # An explicit id consumes its own position and is skipped by later positions.
    assert allocate_field_ids([None, 1, None]) == [2, 1, 3]
    assert allocate_field_ids([3, None, None]) == [3, 2, 4]
    with pytest.raises(CompileError, match="0 is not a valid"):
        allocate_field_ids([0])


def test_value_bytes_pad_to_width() -> None:
    assert value_bytes(10, 32) == b"\x00\x00\x00\n"
    assert value_bytes(1, 1) == b"\x01"
    assert value_bytes(-1, 12) == b"\xff\xff"
