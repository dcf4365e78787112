// expect: 4:9: undeclared identifier 'x'
control c() {
    apply {
        x = 1;
    }
}
control C();
package P(C c);
P(c()) main;
