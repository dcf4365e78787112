// expect: unknown_field_type.p4:3:5: syntax error, unexpected identifier "mac_t", which is not a type in scope
header h_t {
    mac_t dst;
}
