"""``softswitch run`` option parsing (simple_switch_grpc compatible)."""

from __future__ import annotations

import pytest

from softswitch.run import main_run, parse_options


def test_simple_switch_grpc_options(capsys: pytest.CaptureFixture[str]) -> None:
    opts = parse_options(
        [
            "--device-id",
            "3",
            "-i",
            "1@veth1",
            "-i",
            "2@veth2",
            "--grpc-server-addr",
            "127.0.0.1:50001",
            "--cpu-port",
            "255",
            "--no-p4",
            "--queue-rate",
            "1000",
            "--queue-depth",
            "16",
            "--port-delay",
            "2:5000",
            "--priority-queues",
            "8",
            "--thrift-port",
            "9090",
        ]
    )
    assert opts.device_id == 3 and opts.interfaces == [(1, "veth1"), (2, "veth2")]
    assert opts.cpu_port == 255 and opts.program is None and opts.priority_queues == 8
    assert opts.shaping.port_delay_ns == {2: 5_000_000} and opts.shaping.queue_rate_pps == 1000
    assert "--thrift-port is ignored" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-p4", "-i", "veth1"], "PORT@IFACE"),
        (["--no-p4", "--port-delay", "2"], "PORT:MICROSECONDS"),
        ([], "give a program path or --no-p4"),
        (["--no-p4", "-i", "1@a", "--cpu-port", "1"], "also given to an interface"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main_run(argv) == 2
    assert message in capsys.readouterr().err


def test_target_options_after_separator_as_simple_switch_grpc() -> None:
    opts = parse_options(
        [
            "--device-id",
            "2",
            "-i",
            "1@veth1",
            "--no-p4",
            "--",
            "--grpc-server-addr",
            "127.0.0.1:50002",
            "--cpu-port",
            "255",
            "--priority-queues",
            "8",
        ]
    )
    assert (opts.device_id, opts.grpc_addr, opts.cpu_port, opts.priority_queues) == (
        2,
        "127.0.0.1:50002",
        255,
        8,
    )
    assert opts.interfaces == [(1, "veth1")]


def test_port_rate_limits_only_that_port() -> None:
    from softswitch.runtime.clock import VirtualClock
    from softswitch.runtime.traffic import PropagationDelay, TrafficManager

    opts = parse_options(["--no-p4", "--port-rate", "2:200", "--queue-rate", "1000"])
    assert opts.shaping.port_rate_pps == {2: 200} and opts.shaping.paced
    clock = VirtualClock()
    tm: TrafficManager[int] = TrafficManager(clock, priority_queues=2)
    opts.shaping.apply(tm, PropagationDelay(clock))
    departures = {
        (port, prio): [tm.enqueue(port, i, prio).departure_ns for i in range(2)]  # type: ignore[union-attr]
        for port in (1, 2)
        for prio in (0, 1)
    }
    assert departures[(2, 0)] == [0, 5_000_000] and departures[(2, 1)] == [0, 5_000_000]
    assert departures[(1, 0)] == [0, 1_000_000]  # --queue-rate elsewhere
    assert not parse_options(["--no-p4"]).shaping.paced


@pytest.mark.parametrize("spec", ["2", "a:100", "2:-5", "2:fast"])
def test_bad_port_rate_exits_2(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_run(["--no-p4", "--port-rate", spec]) == 2
    assert "expected PORT:PPS" in capsys.readouterr().err
