"""A hand-written P4Info covering every entity kind the server translates."""

from __future__ import annotations

from finsy.proto import p4i
from google.protobuf import text_format

FWD, ACL, LPM, SEL, CONST_T = 0x02000001, 0x02000002, 0x02000003, 0x02000004, 0x02000005
SET_PORT, DROP, NO_ACTION, SET_DEFAULT_ONLY = 0x01000001, 0x01000002, 0x01000003, 0x01000004
PROFILE = 0x11000001
COUNTER, METER, REGISTER = 0x12000001, 0x15000001, 0x16000001
DIRECT_COUNTER, DIRECT_METER = 0x13000001, 0x14000001
DIGEST = 0x18000001
PACKET_IN, PACKET_OUT = 0x40000001, 0x40000002

P4INFO_TEXT = f"""
pkg_info {{ arch: "v1model" }}
tables {{
  preamble {{ id: {FWD} name: "ingress.fwd" alias: "fwd" }}
  match_fields {{ id: 1 name: "hdr.eth.dst" bitwidth: 48 match_type: EXACT }}
  action_refs {{ id: {SET_PORT} }}
  action_refs {{ id: {DROP} }}
  action_refs {{ id: {SET_DEFAULT_ONLY} scope: DEFAULT_ONLY }}
  initial_default_action {{ action_id: {DROP} }}
  direct_resource_ids: {DIRECT_COUNTER}
  size: 4
  idle_timeout_behavior: NOTIFY_CONTROL
}}
tables {{
  preamble {{ id: {ACL} name: "ingress.acl" alias: "acl" }}
  match_fields {{ id: 1 name: "hdr.ipv4.dst" bitwidth: 32 match_type: TERNARY }}
  match_fields {{ id: 2 name: "hdr.tcp.sport" bitwidth: 16 match_type: RANGE }}
  match_fields {{ id: 3 name: "meta.flag" bitwidth: 1 match_type: OPTIONAL }}
  action_refs {{ id: {DROP} }}
  action_refs {{ id: {NO_ACTION} }}
  size: 1024
}}
tables {{
  preamble {{ id: {LPM} name: "ingress.lpm" alias: "lpm" }}
  match_fields {{ id: 1 name: "hdr.ipv4.dst" bitwidth: 32 match_type: LPM }}
  action_refs {{ id: {SET_PORT} }}
  action_refs {{ id: {NO_ACTION} }}
  direct_resource_ids: {DIRECT_METER}
  size: 100000
}}
tables {{
  preamble {{ id: {SEL} name: "ingress.sel" alias: "sel" }}
  match_fields {{ id: 1 name: "hdr.ipv4.dst" bitwidth: 32 match_type: EXACT }}
  action_refs {{ id: {SET_PORT} }}
  action_refs {{ id: {NO_ACTION} }}
  implementation_id: {PROFILE}
  size: 64
}}
tables {{
  preamble {{ id: {CONST_T} name: "ingress.const_t" alias: "const_t" }}
  match_fields {{ id: 1 name: "hdr.eth.type" bitwidth: 16 match_type: EXACT }}
  action_refs {{ id: {NO_ACTION} }}
  action_refs {{ id: {DROP} }}
  const_default_action_id: {DROP}
  is_const_table: true
  has_initial_entries: true
}}
actions {{
  preamble {{ id: {SET_PORT} name: "ingress.set_port" alias: "set_port" }}
  params {{ id: 1 name: "port" bitwidth: 9 }}
}}
actions {{ preamble {{ id: {DROP} name: "ingress.drop" alias: "drop" }} }}
actions {{ preamble {{ id: {NO_ACTION} name: "NoAction" alias: "NoAction" }} }}
actions {{
  preamble {{ id: {SET_DEFAULT_ONLY} name: "ingress.punt" alias: "punt" }}
}}
action_profiles {{
  preamble {{ id: {PROFILE} name: "ingress.sel_profile" alias: "sel_profile" }}
  table_ids: {SEL}
  with_selector: true
  size: 8
  max_group_size: 3
}}
counters {{
  preamble {{ id: {COUNTER} name: "ingress.c" alias: "c" }}
  spec {{ unit: BOTH }}
  size: 8
}}
direct_counters {{
  preamble {{ id: {DIRECT_COUNTER} name: "ingress.fwd_counter" alias: "fwd_counter" }}
  spec {{ unit: BOTH }}
  direct_table_id: {FWD}
}}
meters {{
  preamble {{ id: {METER} name: "ingress.m" alias: "m" }}
  spec {{ unit: BYTES }}
  size: 4
}}
direct_meters {{
  preamble {{ id: {DIRECT_METER} name: "ingress.lpm_meter" alias: "lpm_meter" }}
  spec {{ unit: PACKETS }}
  direct_table_id: {LPM}
}}
controller_packet_metadata {{
  preamble {{ id: {PACKET_IN} name: "packet_in" alias: "packet_in" }}
  metadata {{ id: 1 name: "ingress_port" bitwidth: 9 }}
  metadata {{ id: 2 name: "_pad" bitwidth: 7 }}
}}
controller_packet_metadata {{
  preamble {{ id: {PACKET_OUT} name: "packet_out" alias: "packet_out" }}
  metadata {{ id: 1 name: "egress_port" bitwidth: 9 }}
  metadata {{ id: 2 name: "_pad" bitwidth: 7 }}
}}
registers {{
  preamble {{ id: {REGISTER} name: "ingress.r" alias: "r" }}
  type_spec {{ bitstring {{ bit {{ bitwidth: 32 }} }} }}
  size: 16
}}
digests {{
  preamble {{ id: {DIGEST} name: "learn_t" alias: "learn_t" }}
  type_spec {{ struct {{ name: "learn_t" }} }}
}}
type_info {{
  structs {{
    key: "learn_t"
    value {{
      members {{ name: "mac" type_spec {{ bitstring {{ bit {{ bitwidth: 48 }} }} }} }}
      members {{ name: "port" type_spec {{ bitstring {{ bit {{ bitwidth: 9 }} }} }} }}
    }}
  }}
}}
"""


def make_p4info() -> p4i.P4Info:
    return text_format.Parse(P4INFO_TEXT, p4i.P4Info())
