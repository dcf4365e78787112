"""Write batching keeps make-before-break phases in separate Write requests."""

from __future__ import annotations

from finsy.proto import p4r

from controller import p4rt


def update(kind: str, utype: int) -> p4r.Update:
    u = p4r.Update(type=utype)  # type: ignore[arg-type]
    getattr(u.entity, kind).SetInParent()
    return u


def test_phases_split_on_kind_and_type_and_size(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(p4rt, "WRITE_BATCH", 2)
    updates = [
        update("action_profile_member", p4r.Update.INSERT),
        update("action_profile_group", p4r.Update.MODIFY),
        update("table_entry", p4r.Update.INSERT),
        update("table_entry", p4r.Update.INSERT),
        update("table_entry", p4r.Update.INSERT),
        update("table_entry", p4r.Update.DELETE),
    ]
    batches = list(p4rt._phases(updates))
    assert [len(b) for b in batches] == [1, 1, 2, 1, 1]
    assert [b[0].entity.WhichOneof("entity") for b in batches] == [
        "action_profile_member",
        "action_profile_group",
        "table_entry",
        "table_entry",
        "table_entry",
    ]
    assert [u for b in batches for u in b] == updates


def test_the_expected_gnmi_notice_is_filtered_but_other_finsy_warnings_are_not(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    finsy_log = logging.getLogger("finsy")
    with caplog.at_level(logging.WARNING, logger="finsy"):
        finsy_log.warning("gNMI is not implemented")
        finsy_log.warning("[e1|Switch._run&] gNMI is not implemented")  # as finsy logs it
        finsy_log.warning("cookie 0x1 does not match expected 0x2")
    assert [r.getMessage() for r in caplog.records] == ["cookie 0x1 does not match expected 0x2"]
