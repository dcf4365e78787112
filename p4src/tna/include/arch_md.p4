/*
 * TNA's own part of fantel_intr_md_t: what the deparsers need from the per-architecture
 * controls. Digests and mirrors are packed by the deparser, not called where they arise, so
 * the data travels here (arch_status.p4, arch_semantic.p4, glue.p4).
 */
#ifndef __FANTEL_ARCH_MD_TNA__
#define __FANTEL_ARCH_MD_TNA__

struct arch_md_t {
    DigestType_t    digest_type;
    status_digest_t status_report;
    auth_digest_t   auth_report;
}

#endif  /* __FANTEL_ARCH_MD_TNA__ */
