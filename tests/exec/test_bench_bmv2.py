"""The BMv2 side of ``bench.executor``: CLI commands replaying our entries, pcap files."""

from __future__ import annotations

from pathlib import Path

from bench import bmv2
from bench.executor import l3fwd_switch


def test_cli_commands_replay_entries_with_bmv2_names_and_key_syntax() -> None:
    commands = bmv2.cli_commands(l3fwd_switch())
    assert len(commands) == 1 + 256 + 256
    assert "table_add L3Ingress.ipv4_lpm L3Ingress.set_next_hop 167837696/16 => 1" in commands
    assert any(
        c.startswith("table_add L3Ingress.next_hop L3Ingress.rewrite 3 => ") for c in commands
    )


def test_pcap_round_trip_counts_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "p1_in.pcap"
    bmv2._write_pcap(path, [b"\x01" * 60, b"\x02" * 14])
    assert bmv2._pcap_count(path) == 2
    path.write_bytes(path.read_bytes()[:-1])  # a record still being written
    assert bmv2._pcap_count(path) == 1
