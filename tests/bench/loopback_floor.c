/*
 * loopback_floor: what the kernel alone costs for the fan-out benchmark.
 *
 * One process writes one BYTES-byte message to each of N loopback TCP
 * connections (one send() each, from SENDERS threads, as a server with no
 * overhead of its own would), and a child process receives them with
 * epoll and one recv() each (a client with none either). Each of ROUNDS
 * rounds prints the time from the first send to the last receipt: no
 * WebSocket server can deliver a message to N observers on this machine in
 * less. Everything else in the fan-out figures is the server's and the
 * load generator's own work.
 *
 * The receiver also times each connection's message from the round's first
 * send, as fanout_load times each observer's event from the request's
 * write, so the floor has a p50/p99/max per delivery to set beside a
 * server's. Above 20,000 connections the receiver binds its sockets to
 * several source addresses (127.0.0.1, .2, ...): one (source, destination)
 * pair has only the ephemeral port range, about 28,000 ports.
 *
 * Usage: loopback_floor N BYTES ROUNDS [SENDERS]   (e.g. 10000 227 20)
 * Prints one line per round, then the rounds' median and worst and the
 * per-delivery p50/p99/max, in ms.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int *fds, nfds, senders;
static char *msg;
static size_t msg_len;

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Sender thread k writes to every senders-th connection from k. */
static void *send_share(void *arg)
{
    for (int i = (int)(intptr_t)arg; i < nfds; i += senders)
        if (send(fds[i], msg, msg_len, MSG_NOSIGNAL) != (ssize_t)msg_len)
            die("send");
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The receiving side: connects n sockets, then each round reads until every
 * socket has delivered its message and reports the time since the sender's
 * start (passed through the pipe; CLOCK_MONOTONIC is system-wide). */
static void receiver(struct sockaddr_in *addr, int n, int rounds, int ready_fd, int start_fd)
{
    int *rfd = malloc(sizeof *rfd * (size_t)n);
    size_t *got_one = calloc((size_t)n, sizeof *got_one); /* this round's bytes per socket */
    double *each = malloc(sizeof *each * (size_t)n * (size_t)rounds);
    size_t neach = 0;
    int ep = epoll_create1(0), one = 1, nsrc = 1 + (n - 1) / 20000;
    for (int i = 0; i < n; i++) {
        rfd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (rfd[i] < 0)
            die("socket");
        if (nsrc > 1) {
            /* The port is chosen at connect(), per destination, not here. */
            struct sockaddr_in src = {.sin_family = AF_INET,
                                      .sin_addr.s_addr =
                                          htonl(INADDR_LOOPBACK + (uint32_t)(i % nsrc))};
            setsockopt(rfd[i], IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            if (bind(rfd[i], (struct sockaddr *)&src, sizeof src) != 0)
                die("bind");
        }
        if (connect(rfd[i], (struct sockaddr *)addr, sizeof *addr) != 0)
            die("connect");
        fcntl(rfd[i], F_SETFL, O_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &e);
    }
    double *ms = malloc(sizeof *ms * (size_t)rounds);
    char buf[4096], c = 'r';
    struct epoll_event ev[512];
    if (write(ready_fd, &c, 1) != 1)
        die("write");
    for (int r = 0; r < rounds; r++) {
        int64_t t0;
        if (read(start_fd, &t0, sizeof t0) != sizeof t0)
            die("read");
        size_t want = (size_t)n * msg_len, got = 0;
        memset(got_one, 0, sizeof *got_one * (size_t)n);
        while (got < want) {
            int k = epoll_wait(ep, ev, 512, -1);
            for (int j = 0; j < k; j++) {
                uint32_t i = ev[j].data.u32;
                ssize_t m = recv(rfd[i], buf, sizeof buf, 0);
                if (m > 0) {
                    got += (size_t)m;
                    got_one[i] += (size_t)m;
                    if (got_one[i] == msg_len)
                        each[neach++] = (double)(now_us() - t0) / 1000.0;
                }
            }
        }
        ms[r] = (double)(now_us() - t0) / 1000.0;
        printf("round %d: %d messages of %zu bytes delivered in %.1f ms\n", r + 1, n, msg_len,
               ms[r]);
        fflush(stdout);
        if (write(ready_fd, &c, 1) != 1)
            die("write");
    }
    qsort(ms, (size_t)rounds, sizeof *ms, cmp);
    qsort(each, neach, sizeof *each, cmp);
    printf("loopback floor, %d connections, %d sender thread(s): median %.1f ms, worst %.1f ms; "
           "per delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
           n, senders, ms[rounds / 2], ms[rounds - 1],
           each[(size_t)(0.5 * (double)(neach - 1) + 0.5)],
           each[(size_t)(0.99 * (double)(neach - 1) + 0.5)], each[neach - 1]);
    fflush(stdout);
    /* Reset rather than close: the next run reuses these source ports. */
    struct linger hard = {1, 0};
    for (int i = 0; i < n; i++)
        setsockopt(rfd[i], SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: loopback_floor N BYTES ROUNDS [SENDERS]\n");
        return 2;
    }
    nfds = atoi(argv[1]);
    msg_len = (size_t)atoi(argv[2]);
    int rounds = atoi(argv[3]);
    senders = argc > 4 ? atoi(argv[4]) : 1;
    if (nfds < 1 || msg_len < 1 || rounds < 1 || senders < 1 || senders > 64)
        return 2;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 4096) != 0 ||
        getsockname(ls, (struct sockaddr *)&addr, &alen) != 0)
        die("listen");
    int ready[2], start[2];
    if (pipe(ready) != 0 || pipe(start) != 0)
        die("pipe");
    pid_t child = fork();
    if (child == 0) {
        close(ls);
        receiver(&addr, nfds, rounds, ready[1], start[0]);
    }
    fds = malloc(sizeof *fds * (size_t)nfds);
    for (int i = 0; i < nfds; i++) {
        if ((fds[i] = accept(ls, NULL, NULL)) < 0)
            die("accept");
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    msg = malloc(msg_len);
    memset(msg, 'x', msg_len);
    char c;
    if (read(ready[0], &c, 1) != 1)
        die("read");
    pthread_t th[64];
    for (int r = 0; r < rounds; r++) {
        usleep(200 * 1000); /* the benchmark's pace: one state change per 200 ms */
        int64_t t0 = now_us();
        if (write(start[1], &t0, sizeof t0) != sizeof t0)
            die("write");
        for (int k = 0; k < senders; k++)
            pthread_create(&th[k], NULL, send_share, (void *)(intptr_t)k);
        for (int k = 0; k < senders; k++)
            pthread_join(th[k], NULL);
        if (read(ready[0], &c, 1) != 1) /* the receiver has everything */
            die("read");
    }
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
