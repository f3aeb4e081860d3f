// The C surface kproxy's netlink backend imports: libnftnl, libmnl, the nf_tables and ctnetlink uapi.
// Inline shims exist only for what Swift cannot import, each with its reason.
#ifndef KPROXY_CNFTNL_SHIM_H
#define KPROXY_CNFTNL_SHIM_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>  /* before linux/*.h, so linux/libc-compat.h skips duplicate in_addr */
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/object.h>
#include <libnftnl/batch.h>
#include <libnftnl/gen.h>
#include <libnftnl/udata.h>

/// MNL_SOCKET_BUFFER_SIZE expands to a sysconf() call expression, which Swift cannot import.
static inline size_t kp_mnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

/// NFT_REG_VERDICT and friends are plain enums, but NLMSG_ALIGN is a macro with an argument.
static inline uint32_t kp_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }

/// glibc declares setns(2) only under _GNU_SOURCE, which Swift's Glibc module does not define.
extern int setns(int fd, int nstype);
/// CLONE_NEWNET comes from linux/sched.h, which clashes with glibc's sched.h when imported.
static inline int kp_enter_network_namespace(int fd) { return setns(fd, 0x40000000 /* CLONE_NEWNET */); }

#endif
