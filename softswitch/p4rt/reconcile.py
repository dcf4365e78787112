"""RECONCILE_AND_COMMIT support: the controller-written state of a pipeline as Write updates.

Replaying these updates on the new pipeline keeps forwarding state across a reconciling
commit; IDs are matched as they are (the P4Info generator derives them from names, so
unchanged objects keep their IDs). Counter and register values are not carried over.
"""

from __future__ import annotations

from finsy.proto import p4r

from softswitch.p4rt.entities import PipelineState


def _update(op: int, **entity: object) -> p4r.Update:
    return p4r.Update(type=op, entity=p4r.Entity(**entity))  # type: ignore[arg-type]


def replay_updates(state: PipelineState) -> list[p4r.Update]:
    """Updates that rebuild ``state`` from an empty pipeline, dependencies first."""
    insert, modify = p4r.Update.INSERT, p4r.Update.MODIFY
    updates = [
        _update(insert, packet_replication_engine_entry={"multicast_group_entry": g})
        for g in state.multicast_groups.values()
    ]
    updates += [
        _update(insert, packet_replication_engine_entry={"clone_session_entry": s})
        for s in state.clone_sessions.values()
    ]
    updates += [
        _update(insert, digest_entry=p4r.DigestEntry(digest_id=i, config=c))
        for i, c in state.digest_configs.items()
    ]
    updates += [_update(insert, action_profile_member=m) for m in state.profiles.members.values()]
    updates += [_update(insert, action_profile_group=g) for g in state.profiles.groups.values()]
    for table_id, entries in state.tables.entries.items():
        for stored in entries.values():
            if stored.entry.is_const:
                continue
            entry = state.tables.entry_for_read(state.schema.tables[table_id], stored, None)
            meter = state.tables.meter_configs.get(stored.ref)
            if meter is not None:
                entry.meter_config.CopyFrom(meter)
            updates.append(_update(insert, table_entry=entry))
    updates += [_update(modify, table_entry=e) for e in state.tables.modified_defaults.values()]
    updates += [
        _update(modify, meter_entry=p4r.MeterEntry(meter_id=m, index=p4r.Index(index=i), config=c))
        for (m, i), c in state.meter_configs.items()
    ]
    return updates
