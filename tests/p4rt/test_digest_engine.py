"""Which ``digest()`` data the DigestList engine reports, as dataplane threads ask before
handing data to the event loop."""

from __future__ import annotations

import asyncio

from finsy.proto import p4r

from softswitch.p4rt.schema import Schema
from softswitch.p4rt.stream import DigestEngine
from tests.p4rt.p4info_fixture import DIGEST, make_p4info


async def test_only_configured_digests_not_awaiting_an_ack_are_wanted() -> None:
    configs: dict[int, p4r.DigestEntry.Config] = {}
    sent: list[p4r.StreamMessageResponse] = []
    engine = DigestEngine(Schema(make_p4info()), configs, sent.append, asyncio.get_running_loop())
    try:
        data = (0x0200_0000_0001, 3)
        assert not engine.wanted("learn_t", data)  # not configured: never generated
        assert not engine.wanted("no_such_digest", data)
        configs[DIGEST] = p4r.DigestEntry.Config(max_list_size=1, ack_timeout_ns=10**12)
        assert engine.wanted("learn_t", data)

        engine.on_digest("learn_t", data)
        [message] = sent
        assert message.digest.digest_id == DIGEST
        assert not engine.wanted("learn_t", data)  # sent, suppressed until acked
        assert engine.wanted("learn_t", (0x0200_0000_0002, 3))  # other data is not
        engine.on_digest("learn_t", data)
        assert len(sent) == 1

        engine.ack(p4r.DigestListAck(digest_id=DIGEST, list_id=message.digest.list_id))
        assert engine.wanted("learn_t", data)
    finally:
        engine.close()
