// expect: 5:17: header union fields must be headers, not tuple<T, T>
header H<T> { T a; }
header_union U<T> { H<T> h; }
header_union S<T> {
    tuple<T, T> t;
}
control c() { apply { U<bit<8>> u; } }
control C();
package P(C c);
P(c()) main;
