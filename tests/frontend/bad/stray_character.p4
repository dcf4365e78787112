// expect: stray_character.p4:3:22: syntax error, unexpected character '$', expecting an expression
header h_t { bit<8> f; }
const bit<8> a = 1 + $;
