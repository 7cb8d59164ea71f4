/* capsim: a third-party parser in a forked child. See child.h. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define CS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CS_UNDER_ASAN 1
#endif
#endif

void cs_child_limits(unsigned cpu_s, unsigned mem_mib)
{
	struct rlimit cpu = { cpu_s, (rlim_t)cpu_s + 1 };
	setrlimit(RLIMIT_CPU, &cpu);
#ifndef CS_UNDER_ASAN
	struct rlimit as = { (rlim_t)mem_mib << 20, (rlim_t)mem_mib << 20 };
	setrlimit(RLIMIT_AS, &as);
#else
	(void)mem_mib;
#endif
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
}

int cs_child_wait(pid_t pid, unsigned cpu_s, char *why, size_t len)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
		snprintf(why, len, "ran out of time (%u s of CPU)", cpu_s);
	else if (WIFSIGNALED(status))
		snprintf(why, len, "crashed (signal %d, %s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, len, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return -1;
}

/* n bytes through fd by write (w) or read (!w), EINTR retried: 0, or -1
 * on an error, a short write or the end of the data. */
static int move_all(int fd, char *b, size_t n, int w)
{
	while (n) {
		ssize_t k = w ? write(fd, b, n) : read(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int cs_child_write_all(int fd, const void *p, size_t n)
{
	return move_all(fd, (char *)p, n, 1);
}

int cs_child_read_all(int fd, void *p, size_t n)
{
	return move_all(fd, p, n, 0);
}
