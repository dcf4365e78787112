// expect: 3:10: constructor of extern X cannot have a return type
extern X {
    void X();
}
control c() { apply {} }
control C();
package P(C c);
P(c()) main;
