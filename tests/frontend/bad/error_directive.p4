// expect: error_directive.p4:4:2: preprocessor: #error this target is not supported
#define TARGET_X
#ifdef TARGET_X
#error this target is not supported
#endif
