// expect: 5:17: '==' cannot compare values of type action_list(tt)
#include <core.p4>
control c() {
    table tt { actions = {} }
    apply { if (tt.apply().action_run == tt.apply().action_run) {} }
}
