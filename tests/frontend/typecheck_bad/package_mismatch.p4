// expect: 5:3: parameter 'x' of c has type bit<16> but C expects bit<8>
control c(inout bit<16> x) { apply {} }
control C<T>(inout T x);
package P<T>(C<bit<8>> c);
P(c()) main;
