// expect: 4:48: cannot cast bool to bit<16>
#include <core.p4>
extern Set<T> { Set(list<T> members); }
control c() { Set<bit<16>>((list<bit<16>>){ 1, true }) s; apply {} }
control C();
package P(C c);
P(c()) main;
