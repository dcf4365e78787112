// expect: 6:13: 'default' must be the last switch label
control c() {
    bit<8> v = 0;
    apply {
        switch (v) {
            default: {}
            1: {}
        }
    }
}
control C();
package P(C c);
P(c()) main;
