// expect: 6:37: could not infer a width for this argument
extern E {
    E();
    void emit<T>(in T v);
}
control c() { E() e; apply { e.emit(2); } }
control C();
package P(C c);
P(c()) main;
