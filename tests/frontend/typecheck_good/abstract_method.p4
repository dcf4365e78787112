extern Gen<T> {
    Gen(bit<32> n);
    abstract T update(in T value);
    T get();
}
control c(inout bit<8> x) {
    Gen<bit<8>>(10) g = {
        bit<8> update(in bit<8> value) { return value |+| this.get(); }
    };
    apply { x = g.get(); }
}
control C(inout bit<8> x);
package P(C c);
P(c()) main;
