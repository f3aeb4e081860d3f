// What Swift cannot import from Glibc for TCPRelay's event loops, each with its reason.
#ifndef KPROXY_CEPOLL_SHIM_H
#define KPROXY_CEPOLL_SHIM_H
#include <sys/epoll.h>   /* not in Glibc's Swift module map */
#include <sys/eventfd.h> /* not in Glibc's Swift module map */
#include <sys/socket.h>

/* accept4 is declared only under _GNU_SOURCE, which would change the definitions Swift's Glibc module
   sees (fd_set's fields) and make its address arguments a transparent union Swift cannot pass. */
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

static inline int kproxy_accept4(int fd, struct sockaddr_storage *address, socklen_t *length, int flags) {
  return accept4(fd, (struct sockaddr *)address, length, flags);
}

#endif
