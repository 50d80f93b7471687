/*
 * jujuc: the emulator's hook-tool client. Every hook tool on a unit's PATH (and systemctl on its
 * machine) is this one binary; it sends its name, argv, pid and hook context id to the controller
 * over a unix socket and reproduces the answer: stdout, stderr and exit code, as Juju's jujuc does.
 * A native client keeps a tool call at a few milliseconds (a Node process per call costs ~100 ms).
 *
 * Request:  "JUJUC1\0" pid "\0" context-id "\0" tool "\0" argc "\0" (arg "\0")* then, only for
 *           `--file -` style arguments, the tool's whole stdin; then the client shuts down writing.
 * Response: 4-byte big-endian exit code, 4-byte big-endian stdout length, stdout, stderr (the rest).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef DEFAULT_SOCKET
#define DEFAULT_SOCKET ""
#endif

static void die(const char *message) {
  fprintf(stderr, "ERROR %s: %s\n", message, strerror(errno));
  exit(1);
}

static void send_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, data, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      die("cannot send to the controller");
    }
    data += written;
    length -= (size_t)written;
  }
}

static void send_field(int fd, const char *field) { send_all(fd, field, strlen(field) + 1); }

static int reads_stdin(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--file=-") == 0) return 1;
    if (i + 1 < argc && strcmp(argv[i], "--file") == 0 && strcmp(argv[i + 1], "-") == 0) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *tool = strrchr(argv[0], '/');
  tool = tool ? tool + 1 : argv[0];
  const char *address = getenv("JUJU_AGENT_SOCKET_ADDRESS");
  if (!address || !*address) address = DEFAULT_SOCKET;
  const char *context = getenv("JUJU_CONTEXT_ID");
  if (!context) context = "";

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t length = strlen(address);
  if (length == 0 || length >= sizeof addr.sun_path) {
    fprintf(stderr, "ERROR JUJU_AGENT_SOCKET_ADDRESS is not set\n");
    return 1;
  }
  memcpy(addr.sun_path, address, length);
  socklen_t addr_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length);
  if (address[0] == '@') {
    /* An abstract socket, as Juju uses. Node (libuv) binds abstract names zero-padded to the full
     * sun_path, so the name we connect to must be padded the same way. */
    addr.sun_path[0] = '\0';
    addr_length = sizeof addr;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die("cannot create socket");
  if (connect(fd, (struct sockaddr *)&addr, addr_length) < 0) {
    die("cannot reach the controller");
  }

  char number[32];
  send_field(fd, "JUJUC1");
  snprintf(number, sizeof number, "%ld", (long)getpid());
  send_field(fd, number);
  send_field(fd, context);
  send_field(fd, tool);
  snprintf(number, sizeof number, "%d", argc - 1);
  send_field(fd, number);
  for (int i = 1; i < argc; i++) send_field(fd, argv[i]);
  if (reads_stdin(argc, argv)) {
    char buffer[65536];
    ssize_t got;
    while ((got = read(0, buffer, sizeof buffer)) != 0) {
      if (got < 0) {
        if (errno == EINTR) continue;
        die("cannot read stdin");
      }
      send_all(fd, buffer, (size_t)got);
    }
  }
  shutdown(fd, SHUT_WR);

  size_t capacity = 65536, used = 0;
  char *reply = malloc(capacity);
  if (!reply) die("out of memory");
  for (;;) {
    if (used == capacity) {
      capacity *= 2;
      reply = realloc(reply, capacity);
      if (!reply) die("out of memory");
    }
    ssize_t got = read(fd, reply + used, capacity - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      die("cannot read the controller's answer");
    }
    if (got == 0) break;
    used += (size_t)got;
  }
  if (used < 8) {
    fprintf(stderr, "ERROR the controller closed the connection\n");
    return 1;
  }
  uint32_t code = ((uint32_t)(unsigned char)reply[0] << 24) | ((uint32_t)(unsigned char)reply[1] << 16) |
                  ((uint32_t)(unsigned char)reply[2] << 8) | (uint32_t)(unsigned char)reply[3];
  uint32_t out = ((uint32_t)(unsigned char)reply[4] << 24) | ((uint32_t)(unsigned char)reply[5] << 16) |
                 ((uint32_t)(unsigned char)reply[6] << 8) | (uint32_t)(unsigned char)reply[7];
  if (out > used - 8) out = (uint32_t)(used - 8);
  fwrite(reply + 8, 1, out, stdout);
  fflush(stdout);
  fwrite(reply + 8 + out, 1, used - 8 - out, stderr);
  fflush(stderr);
  return (int)code;
}
