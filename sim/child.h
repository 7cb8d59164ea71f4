/* capsim: running a third-party parser (hwloc, libfyaml) in a forked child,
 * so that its crash, hang or runaway memory on a hostile file is an error
 * for capsim to report, never capsim's death. Private to sim/. */
#ifndef CAPSIM_SIM_CHILD_H
#define CAPSIM_SIM_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* In the child: limit CPU time (seconds) and address space (MiB; not under
 * AddressSanitizer, whose shadow memory needs more), and let SIGSEGV and
 * SIGBUS kill it as they would a release build. */
void cs_child_limits(unsigned cpu_s, unsigned mem_mib);

/* In the parent: wait for pid; 0 if it exited with status 0, else a
 * reason ("crashed (signal 11, Segmentation fault)", "ran out of time (30 s
 * of CPU)", "exited with status 3") in why. */
int cs_child_wait(pid_t pid, unsigned cpu_s, char *why, size_t len);

/* In the child: n bytes of p to fd, whole (a write interrupted by a
 * signal is made again): 0, or -1 if the pipe would not take them. */
int cs_child_write_all(int fd, const void *p, size_t n);
/* In the parent: n bytes of the child's answer from fd into p, whole: 0,
 * or -1 on an error or if the answer ends first. */
int cs_child_read_all(int fd, void *p, size_t n);

#endif
