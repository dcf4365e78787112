/*
 * Edge enforcement of bandwidth reservations (issue 6 item 4): traffic a host sends under an
 * admitted reservation is policed by a two-rate three-colour meter (RFC 2698, colour-blind,
 * bytes) at the switch the host is attached to, after routing (so a reservation towards a
 * whole switch can match its next id).
 *
 * reservation_meters (ipv4_src, ipv4_dst, next_id; ternary) holds one entry per reservation;
 * its direct meter has CIR = the reserved rate and PIR = RESERVATION_PIR_FACTOR x CIR
 * (controller/programming.py). Green: unchanged. Yellow (above CIR, below PIR): best effort,
 * queue priority 0. Red (above PIR): dropped. Counted per colour in reservation_color_counter.
 * Traffic without a reservation is not metered.
 */
#ifndef __FANTEL_RESERVATION__
#define __FANTEL_RESERVATION__

control ReservationMeters(inout headers_t hdr,
                          inout local_md_t md,
                          inout fantel_intr_md_t intr) {

    DIRECT_BYTE_METER reservation_meter;
    PACKET_BYTE_COUNTER(3) reservation_color_counter;   /* index: colour */

    bit<2> color = METER_COLOR_GREEN;

    action police() {
        DIRECT_METER_READ(reservation_meter, color);
    }

    @name("reservation_meters")
    table reservation_meters {
        key = {
            md.lkp.ipv4_src: ternary @name("ipv4_src");
            md.lkp.ipv4_dst: ternary @name("ipv4_dst");
            md.next_id: ternary @name("next_id");
        }
        actions = { police; @defaultonly NoAction; }
        const default_action = NoAction();
        meters = reservation_meter;
        size = RESERVATION_TABLE_SIZE;
    }

    apply {
        if (md.port_type != PORT_TYPE_HOST || !hdr.ipv4.isValid()) {
            return;
        }
        if (!reservation_meters.apply().hit) {
            return;
        }
        reservation_color_counter.count((bit<32>)color);
        if (color == METER_COLOR_RED) {
            intr.drop = true;
        } else if (color == METER_COLOR_YELLOW) {
            intr.priority = 0;
        }
    }
}

#endif  /* __FANTEL_RESERVATION__ */
