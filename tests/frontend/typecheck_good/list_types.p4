// list<T> types and list expressions (P4_16 1.2.4; p4c list*.p4): a list of any length as an
// extern constructor argument, of scalars or of tuples, cast or given directly.
#include <core.p4>
extern Table<K, V> { Table(list<tuple<K, V>> entries); V lookup(in K key); }
extern Set<T> { Set(list<T> members); bool has(in T v); }
control c(inout bit<16> x) {
    Table<bit<16>, bit<32>>((list<tuple<bit<16>, bit<32>>>) { { 1, 10 }, { 2, 20 } }) tbl;
    Set<bit<16>>({ 1, 2, 3, 4 }) small;
    Set<bit<16>>((list<bit<16>>) {}) none;
    apply {
        if (small.has(x) && !none.has(x)) { x = (bit<16>)tbl.lookup(x); }
    }
}
control C(inout bit<16> x);
package P(C c);
P(c()) main;
