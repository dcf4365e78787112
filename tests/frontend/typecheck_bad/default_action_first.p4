// expect: 6:26: default_action precedes 'actions'
#include <core.p4>
control c() {
    action nop() {}
    table badtable {
        default_action = nop;
        actions = { nop; }
    }
    apply { badtable.apply(); }
}
