// expect: missing_include.p4:3:10: preprocessor: nothing_here.p4: No such file or directory
#include <core.p4>
#include "nothing_here.p4"
