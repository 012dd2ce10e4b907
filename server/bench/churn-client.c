/*
 * The churning client of server/bench/churn.ts, in C so that it costs its core little more than
 * the kernel's share of each connection: it shares that core with the pair whose relays the
 * benchmark measures, and a Node client churning 1,500 connections a second takes half of it.
 *
 *   churn-client HOST PORT RATE
 *
 * Opens websocket connections to HOST:PORT paced at RATE a second, at most AT_ONCE at once, until
 * SIGTERM; then prints {"opened":N,"refused":M}. Each connection writes the websocket handshake
 * as the `ws` library writes it; an answered one (101) sends Socket.IO's connect (`40` in a
 * masked text frame) and, once the server answers it (`40{` or `44{`), is closed without a close
 * frame. A connection closed or answered otherwise counts as refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define AT_ONCE 15
#define MAX_FD 65536
#define BUFFER 4096

enum state { IDLE, CONNECTING, HANDSHAKE, UPGRADED };

struct connection {
  enum state state;
  size_t read;
  char buffer[BUFFER];
};

static struct connection *connections;
static volatile sig_atomic_t stopping = 0;
static long opened = 0, refused = 0, in_flight = 0;
static int poller;

static const unsigned char CONNECT_FRAME[] = {0x81, 0x82, 0, 0, 0, 0, '4', '0'};

static void on_term(int signal) { (void)signal; stopping = 1; }

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void finish(int fd, int was_opened) {
  epoll_ctl(poller, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  connections[fd].state = IDLE;
  in_flight--;
  if (was_opened) opened++;
  else refused++;
}

static void start(const struct sockaddr_in *address) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || fd >= MAX_FD) {
    if (fd >= 0) close(fd);
    refused++;
    return;
  }
  in_flight++;
  connections[fd].state = CONNECTING;
  connections[fd].read = 0;
  if (connect(fd, (const struct sockaddr *)address, sizeof *address) < 0 && errno != EINPROGRESS) {
    connections[fd].state = IDLE;
    close(fd);
    in_flight--;
    refused++;
    return;
  }
  struct epoll_event event = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.fd = fd};
  epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
}

enum outcome { PENDING, OPENED, REFUSED };

/** Moves connection `fd` on after `events`; says when it is done, and how. */
static enum outcome step(int fd, unsigned events, const char *request, size_t request_length) {
  struct connection *c = &connections[fd];
  if (c->state == CONNECTING) {
    if (!(events & EPOLLOUT) || (events & (EPOLLERR | EPOLLHUP))) return REFUSED;
    if (write(fd, request, request_length) != (ssize_t)request_length) return REFUSED;
    c->state = HANDSHAKE;
    struct epoll_event event = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
    epoll_ctl(poller, EPOLL_CTL_MOD, fd, &event);
    return PENDING;
  }
  ssize_t got = read(fd, c->buffer + c->read, BUFFER - c->read);
  if (got <= 0) return REFUSED;
  c->read += (size_t)got;
  if (c->state == HANDSHAKE) {
    if (c->read < 12) return PENDING;
    if (memcmp(c->buffer, "HTTP/1.1 101", 12) != 0) return REFUSED;
    c->state = UPGRADED;
    ssize_t sent = write(fd, CONNECT_FRAME, sizeof CONNECT_FRAME);
    return sent == (ssize_t)sizeof CONNECT_FRAME ? PENDING : REFUSED;
  }
  /* Frame headers hold NUL bytes: search the buffer whole. */
  if (memmem(c->buffer, c->read, "40{", 3) || memmem(c->buffer, c->read, "44{", 3)) return OPENED;
  return c->read < BUFFER ? PENDING : REFUSED;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST PORT RATE\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
    fprintf(stderr, "churn-client: %s is not an IPv4 address\n", host);
    return 2;
  }
  char request[512];
  int request_length = snprintf(request, sizeof request,
                                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                                "Sec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                "Host: %s:%d\r\n\r\n",
                                host, port);
  connections = calloc(MAX_FD, sizeof *connections);
  poller = epoll_create1(0);
  if (!connections || poller < 0) return 1;
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);
  printf("churning\n");
  fflush(stdout);
  double begin = now();
  long started = 0;
  struct epoll_event events[64];
  while (!stopping) {
    double due = (now() - begin) * rate;
    while (in_flight < AT_ONCE && started < due) {
      started++;
      start(&address);
    }
    int count = epoll_wait(poller, events, 64, 1);
    for (int i = 0; i < count; i++) {
      int fd = events[i].data.fd;
      if (connections[fd].state == IDLE) continue;
      enum outcome outcome = step(fd, events[i].events, request, (size_t)request_length);
      if (outcome != PENDING) finish(fd, outcome == OPENED);
    }
  }
  printf("{\"opened\":%ld,\"refused\":%ld}\n", opened, refused);
  fflush(stdout);
  return 0;
}
