"""Shared test configuration: environment-dependent markers skip cleanly with a reason."""

from __future__ import annotations

import os
import shutil

import pytest


def _skip_reason(item: pytest.Item) -> str | None:
    if item.get_closest_marker("root") and os.geteuid() != 0:
        return "needs root (network namespaces, raw sockets)"
    if item.get_closest_marker("root") and shutil.which("ip") is None:
        return "needs iproute2 (`ip`)"
    if item.get_closest_marker("mininet") and shutil.which("mnexec") is None:
        return "needs Mininet's mnexec (Debian package mininet; `make test` installs it)"
    if item.get_closest_marker("bmv2"):
        missing = [tool for tool in ("simple_switch_grpc", "p4c") if shutil.which(tool) is None]
        if missing:
            return f"needs BMv2/p4c: {', '.join(missing)} not on PATH"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        reason = _skip_reason(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
