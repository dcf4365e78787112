"""Up-front checks: privileges, tools and kernel features the testbed needs, each failure one
clear sentence; plus detection of `netem`, which decides how WAN delay is emulated.

The kernel features are probed in a throwaway named namespace (recorded in the run directory
before it is created, so a crash cannot leak it): a veth pair gets an `htb` qdisc (TCLink `bw=`)
and a `netem` qdisc (TCLink `delay=`). Mininet's own TCLink only prints an error when netem is
missing and silently runs without delay, hence the explicit probe.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass

from topologies.rundir import RunDir

REQUIRED_TOOLS = {
    "ip": "iproute2",
    "tc": "iproute2",
    "mnexec": "mininet",
}


class PreflightError(RuntimeError):
    """A missing privilege, tool or kernel feature; the message is one sentence for the user."""


@dataclass(frozen=True)
class KernelFeatures:
    netem: bool
    htb: bool

    @property
    def delay_mechanism(self) -> str:
        """Where WAN delay is applied: the kernel (TCLink/netem) or the switches' ports."""
        return "tc-netem" if self.netem else "switch-port-delay"


def check_privileges() -> None:
    if os.geteuid() != 0:
        raise PreflightError(
            "the testbed needs root: Mininet creates network namespaces, veth interfaces and "
            "raw sockets (run `sudo make run` or run as root)"
        )


def check_tools() -> None:
    for tool, package in REQUIRED_TOOLS.items():
        if shutil.which(tool) is None:
            raise PreflightError(
                f"`{tool}` is not on PATH: install the Debian package {package} "
                "(`make run` installs it when run as root)"
            )


def check_raw_sockets() -> None:
    try:
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()
    except OSError as err:
        raise PreflightError(
            f"raw AF_PACKET sockets are not available ({err.strerror}); the switches and "
            "traffic tools need them (CAP_NET_RAW)"
        ) from err


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def probe_kernel(run: RunDir) -> KernelFeatures:
    """Create a namespace with a veth pair and try htb and netem on it."""
    name = f"fantel-probe-{os.getpid()}"
    run.record_netns(name)
    made = _run("ip", "netns", "add", name)
    if made.returncode != 0:
        raise PreflightError(
            f"cannot create a network namespace (`ip netns add`: {made.stderr.strip()}); "
            "the testbed needs network namespaces"
        )
    try:
        veth = _run("ip", "-n", name, "link", "add", "probe0", "type", "veth", "peer", "probe1")
        if veth.returncode != 0:
            raise PreflightError(
                f"cannot create veth interfaces ({veth.stderr.strip()}); the kernel needs veth"
            )
        htb = _run("tc", "-n", name, "qdisc", "add", "dev", "probe0", "root", "handle", "1:", "htb")
        netem = _run(
            "tc", "-n", name, "qdisc", "add", "dev", "probe1", "root", "netem", "delay", "1ms"
        )
        if htb.returncode != 0:
            raise PreflightError(
                f"the kernel has no htb qdisc ({htb.stderr.strip()}); link capacities need it"
            )
        return KernelFeatures(netem=netem.returncode == 0, htb=True)
    finally:
        _run("ip", "netns", "del", name)


def preflight(run: RunDir) -> KernelFeatures:
    """All checks in order of how cheap they are; raises PreflightError on the first failure."""
    check_privileges()
    check_tools()
    check_raw_sockets()
    return probe_kernel(run)
