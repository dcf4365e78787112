// expect: 5:10: ambiguous method 'append' with 1 parameters
extern Checksum<T> {
    void append<D>(in D d);
    void append<D>(in bool condition, in D d);
    void append(in bit<8> b);
    T get();
}
control c() { apply {} }
control C();
package P(C c);
P(c()) main;
