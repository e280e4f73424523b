/*
 * The two system calls Node.js lacks for asking the kernel about sockets: a netlink socket
 * (sock_diag, rtnetlink) and setns(2), so that the socket can be made inside another
 * network namespace. A netlink socket belongs for good to the namespace it was created
 * in; the thread goes back to its own namespace at once. A dump is synchronous: a
 * LISTEN-only sock_diag dump takes well under a millisecond, and every wait is bounded
 * by the caller's timeout (poll before each receive).
 *
 *   open(protocol, netnsPath?) -> fd
 *   openFile(netnsPath, path) -> fd               a file opened from inside the namespace:
 *                                                 /proc/sys/net resolves to the opener's
 *                                                 namespace, and the descriptor keeps it
 *   dump(fd, request, seq, timeoutMs, replies?) -> Buffer
 *                                                 every reply message with that sequence
 *                                                 number, up to and including NLMSG_DONE
 *                                                 or NLMSG_ERROR (one dump); or, given
 *                                                 replies, up to that many messages (a
 *                                                 batch of requests in one buffer, each
 *                                                 answered by one message)
 *   close(fd)
 * Errors are thrown with `code` set to the errno name (EPERM, EBUSY, ETIMEDOUT, ...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_BYTES (64 * 1024)
/* A dump larger than this is not a listener dump: stop rather than grow without bound. */
#define MAX_DUMP_BYTES (256u << 20)

static const char *errno_code(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF";
    case EMSGSIZE: return "EMSGSIZE";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* Enters the namespace at `path` on this thread; returns the descriptor of our own to go
   back to, or -1 with errno set. */
static int enter_netns(const char *path) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
    int e = errno;
    if (target >= 0) close(target);
    close(self);
    errno = e;
    return -1;
  }
  close(target);
  return self;
}

/* Back to our own namespace before anything else: the whole thread depends on it. */
static void leave_netns(int self) {
  if (setns(self, CLONE_NEWNET) != 0) abort();
  close(self);
}

static napi_value nl_open_file(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ns[4096], path[4096];
  size_t n1 = 0, n2 = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], ns, sizeof ns, &n1) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], path, sizeof path, &n2) != napi_ok || n1 == 0 || n2 == 0) {
    napi_throw_type_error(env, NULL, "openFile(netnsPath, path)");
    return NULL;
  }
  int self = enter_netns(ns);
  if (self < 0) return throw_errno(env, "setns", errno);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int e = errno;
  leave_netns(self);
  if (fd < 0) return throw_errno(env, "open", e);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

static napi_value nl_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t protocol;
  if (argc < 1 || !get_int(env, argv[0], &protocol)) {
    napi_throw_type_error(env, NULL, "open(protocol, netnsPath?)");
    return NULL;
  }
  char path[4096] = {0};
  int foreign = 0;
  if (argc >= 2) {
    napi_valuetype t;
    napi_typeof(env, argv[1], &t);
    if (t == napi_string) {
      size_t n;
      napi_get_value_string_utf8(env, argv[1], path, sizeof path, &n);
      foreign = n > 0;
    }
  }
  int self = -1;
  if (foreign) {
    self = enter_netns(path);
    if (self < 0) return throw_errno(env, "setns", errno);
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  int socket_errno = errno;
  if (foreign) leave_netns(self);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK)", socket_errno);
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static napi_value nl_dump(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, timeout_ms, replies = 0;
  uint32_t seq;
  void *req;
  size_t req_len;
  bool is_buffer = false;
  if (argc >= 4) napi_is_buffer(env, argv[1], &is_buffer);
  if (argc < 4 || !get_int(env, argv[0], &fd) || !is_buffer || napi_get_value_uint32(env, argv[2], &seq) != napi_ok ||
      !get_int(env, argv[3], &timeout_ms) || (argc >= 5 && (!get_int(env, argv[4], &replies) || replies < 0))) {
    napi_throw_type_error(env, NULL, "dump(fd, request, seq, timeoutMs, replies?)");
    return NULL;
  }
  napi_get_buffer_info(env, argv[1], &req, &req_len);

  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do sent = sendto(fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) return throw_errno(env, "send", errno);

  size_t cap = RECV_BYTES * 2, len = 0;
  char *out = malloc(cap);
  char *chunk = malloc(RECV_BYTES);
  if (!out || !chunk) {
    free(out);
    free(chunk);
    return throw_errno(env, "dump", ENOMEM);
  }
  long long deadline = now_ms() + timeout_ms;
  int done = 0, err = 0, received = 0;
  const char *err_what = "recv";
  while (!done) {
    /* The kernel answers inside sendto and refills the queue inside each recv, so a reply
       is usually waiting: receive first, and wait (bounded) only when nothing is. */
    ssize_t n = recv(fd, chunk, RECV_BYTES, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        err = ETIMEDOUT;
        break;
      }
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, (int)left);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        err = errno;
        err_what = "poll";
        break;
      }
      if (r == 0) {
        err = ETIMEDOUT;
        break;
      }
      continue;
    }
    if (n < 0) {
      err = errno;
      break;
    }
    /* Keep the messages of this dump only: a reply left over from a dump that timed out
       carries another sequence number. */
    size_t off = 0;
    while (off + sizeof(struct nlmsghdr) <= (size_t)n) {
      struct nlmsghdr *h = (struct nlmsghdr *)(chunk + off);
      size_t mlen = h->nlmsg_len;
      if (mlen < sizeof(struct nlmsghdr) || off + mlen > (size_t)n) {
        /* Malformed: hand the rest to the parser, which counts it rejected. */
        mlen = (size_t)n - off;
      }
      if (h->nlmsg_seq == seq) {
        if (len + mlen > MAX_DUMP_BYTES) {
          err = EMSGSIZE;
          done = 1;
          break;
        }
        if (len + mlen > cap) {
          while (len + mlen > cap) cap *= 2;
          char *grown = realloc(out, cap);
          if (!grown) {
            err = ENOMEM;
            done = 1;
            break;
          }
          out = grown;
        }
        memcpy(out + len, chunk + off, mlen);
        len += mlen;
        received++;
        if (replies > 0 ? received >= replies : h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = 1;
      }
      off += NLMSG_ALIGN(mlen);
    }
  }
  free(chunk);
  if (err) {
    free(out);
    return throw_errno(env, err_what, err);
  }
  napi_value buf;
  napi_create_buffer_copy(env, len, out, NULL, &buf);
  free(out);
  return buf;
}

static napi_value nl_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd)");
    return NULL;
  }
  if (close(fd) != 0) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, nl_open, NULL, NULL, NULL, napi_default, NULL},
      {"openFile", NULL, nl_open_file, NULL, NULL, NULL, napi_default, NULL},
      {"dump", NULL, nl_dump, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, nl_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

NAPI_MODULE(listenq_netlink, init)
