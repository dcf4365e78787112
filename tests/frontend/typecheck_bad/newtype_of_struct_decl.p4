// expect: 2:6: syntax error
type struct Point {
    int<32> x;
} Pt;
control c() { apply {} }
control C();
package P(C c);
P(c()) main;
