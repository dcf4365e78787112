/*
 * fantel for Tofino (TNA): thin top file. Only the architecture-independent include files
 * (constants, sizes, headers) are shared so far; the controls still call v1model externs and
 * need the porting described in README.md. The #error keeps this from being mistaken for a
 * working build.
 */
#include <core.p4>
#include <tna.p4>

#include "include/define_tna.p4"
#include "../include/define.p4"
#include "../include/size.p4"
#include "../include/headers.p4"

#error "fantel_tna.p4: controls not yet ported to TNA, see p4src/tna/README.md"
