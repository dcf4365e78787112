// expect: unterminated_string.p4:2:7: unterminated string literal
@name("oops) header h_t { bit<8> f; }
