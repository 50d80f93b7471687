/*
 * hook-rusage: the emulator's opt-in hook meter (ControllerOptions.measureHooks). It runs its
 * arguments as a child process, waits for it with wait4 and writes one line to file descriptor 3:
 *
 *   <exit code> <wall ns> <user us> <system us> <max RSS KiB>\n
 *
 * then exits with the child's code (128 + signal if it was killed). The child does not inherit
 * fd 3. wait4 reports the child's usage together with that of the children it waited for (Linux
 * kernel/exit.c, RUSAGE_BOTH), so CPU time includes the hook tools a hook ran and max RSS is the
 * largest of those processes: the charm's own Node process. Unlike GNU time's `%e` (10 ms steps),
 * wall time comes from CLOCK_MONOTONIC in nanoseconds, fine enough for a ~50 ms hook.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hook-rusage command [argument...]\n");
    return 127;
  }
  int report = fcntl(3, F_SETFD, FD_CLOEXEC) == 0 ? 3 : -1;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t child = fork();
  if (child < 0) {
    perror("hook-rusage: fork");
    return 127;
  }
  if (child == 0) {
    execvp(argv[1], argv + 1);
    fprintf(stderr, "hook-rusage: cannot run %s: ", argv[1]);
    perror("");
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  while (wait4(child, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      perror("hook-rusage: wait4");
      return 127;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  long long wall = (long long)(end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
  long long user = (long long)usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec;
  long long sys = (long long)usage.ru_stime.tv_sec * 1000000LL + usage.ru_stime.tv_usec;
  if (report >= 0) dprintf(report, "%d %lld %lld %lld %ld\n", code, wall, user, sys, usage.ru_maxrss);
  return code;
}
