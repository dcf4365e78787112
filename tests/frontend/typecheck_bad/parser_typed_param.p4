// expect: 4:24: parameter 'p' cannot have type Parser
#include <core.p4>
parser Parser();
parser MyParser(Parser p);
