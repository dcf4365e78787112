/* v1model's own part of fantel_intr_md_t: nothing, its externs take their data as arguments. */
#ifndef __FANTEL_ARCH_MD_V1MODEL__
#define __FANTEL_ARCH_MD_V1MODEL__

struct arch_md_t {
}

#endif  /* __FANTEL_ARCH_MD_V1MODEL__ */
