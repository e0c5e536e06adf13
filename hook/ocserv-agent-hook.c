/*
 * ocserv-agent-hook: ocserv's connect-script, disconnect-script and
 * host-update-script. Sends ocserv's allowlisted variables to the agent as one
 * NDJSON line over a Unix socket and turns the answer into an exit code.
 * Protocol and configuration: docs/hook.md.
 *
 * C rather than a Node.js script because ocserv runs one process per connection
 * and holds that connection until it exits: the cost must be a fork+exec, one
 * socket round trip and the agent's decision, nothing else.
 *
 * Fail-safe rules: connect exits 0 only for an answer whose top-level
 * "allowed" member is true, or when the agent is absent (no socket file,
 * nothing listening on it, or no answer within timeout_ms) and the operator
 * chose on_agent_unreachable=allow (always logged). Everything the agent does on
 * purpose (a refusal, closing early) and everything that is not absence (a
 * listener of another uid, EACCES, a broken answer) denies. Every wait is a
 * poll() bounded by timeout_ms counted from process start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define HOOK_NAME "ocserv-agent-hook"
#define CONFIG_PATH_ENV "OCSERV_AGENT_HOOK_CONFIG"
#define DEFAULT_CONFIG_PATH "/etc/ocserv-agent/hook.conf"
#define DEFAULT_SOCKET_PATH "/run/ocserv-agent/hook.sock"
#define DEFAULT_TIMEOUT_MS 5000L
/* The agent refuses a budget_ms outside 100..600000 (HOOK_BUDGET_MIN_MS/MAX_MS):
 * below it every connect would be denied, so it is a configuration error here. */
#define MIN_TIMEOUT_MS 100L
#define MAX_TIMEOUT_MS 600000L
/* Default and bounds of max_request_bytes: the agent's ipc.max_request_bytes
 * (default 64 KiB, at most 1 MiB), counted without the line's '\n'. */
#define DEFAULT_MAX_REQUEST_BYTES (64L * 1024)
#define MIN_MAX_REQUEST_BYTES 1024L
#define MAX_MAX_REQUEST_BYTES (1024L * 1024)
#define DEFAULT_AGENT_UID 0L
#define MAX_UID 4294967294L
#define MAX_ANSWER_BYTES (64 * 1024)
#define MAX_JSON_DEPTH 32
#define CONNECT_RETRY_MS 5
#define LOG_USERNAME_MAX_BYTES 64
#define LOG_TEXT_MAX_BYTES 200
#define PRINTABLE_SIZE (LOG_TEXT_MAX_BYTES * 4 + 8)

extern char **environ;

struct config {
    char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
    long timeout_ms;
    long max_request_bytes;
    uid_t agent_uid;
    bool allow_when_unreachable;
};

struct buffer {
    char *data;
    size_t len, cap, limit;
    bool overflow;
};

/* How a connect/send/receive went; only EXCHANGE_ABSENT may lead to the allow fallback. */
enum exchange_result {
    EXCHANGE_CONTINUE,  /* internal: this step went fine, go on */
    EXCHANGE_ANSWERED,  /* the whole request was sent and one answer line came back */
    EXCHANGE_CUT_SHORT, /* a trusted peer closed before taking the whole request (it refused it) */
    EXCHANGE_ABSENT,    /* no socket file, nothing listening, or no answer within timeout_ms */
    EXCHANGE_FAILED,    /* anything else: EACCES, a peer of another uid, a close without an answer... */
};

struct exchange {
    char *answer; /* MAX_ANSWER_BYTES */
    size_t answer_len;
    bool has_line; /* answer holds one line (for EXCHANGE_CUT_SHORT: the agent's refusal) */
    char why[1536];
};

/* Top-level members of the agent's answer that matter here. */
struct answer {
    bool allowed_true;  /* an "allowed" member was the literal true */
    bool allowed_other; /* an "allowed" member was anything else */
    const char *reason; /* first "reason"/"error"/"message" string, still JSON-escaped */
    size_t reason_len;
};

static const char *const ALLOWED_NAMES[] = {
    "REASON", "ID", "USERNAME", "GROUPNAME", "VHOST", "DEVICE", "IP_REAL", "IP_REAL_LOCAL",
    "IP_LOCAL", "IP_REMOTE", "HOSTNAME", "REMOTE_HOSTNAME", "USER_AGENT", "DEVICE_TYPE",
    "DEVICE_PLATFORM", "OCSERV_RESTRICT_TO_ROUTES", "STATS_BYTES_IN", "STATS_BYTES_OUT",
    "STATS_DURATION",
};
static const char *const ALLOWED_PREFIXES[] = {"IPV6_", "OCSERV_ROUTES", "OCSERV_NO_ROUTES", "OCSERV_DNS"};

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int remaining_ms(long long deadline_ms) {
    long long left = deadline_ms - monotonic_ms();
    return left > 0 ? (int)left : 0;
}

static void log_event(int priority, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void log_event(int priority, const char *format, ...) {
    char line[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    syslog(priority, "%s", line);
    fprintf(stderr, HOOK_NAME ": %s\n", line);
}

/* Usernames come from VPN clients and reasons from the agent: only printable
 * ASCII reaches syslog and ocserv's log, anything else as \xNN, bounded. */
static const char *printable(const char *text, size_t len, size_t max_bytes, char out[PRINTABLE_SIZE]) {
    size_t used = 0, i;
    if (text == NULL) return "(unset)";
    for (i = 0; i < len && i < max_bytes && i < LOG_TEXT_MAX_BYTES; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') out[used++] = (char)c;
        else used += (size_t)snprintf(out + used, PRINTABLE_SIZE - used, "\\x%02x", c);
    }
    if (i < len) used += (size_t)snprintf(out + used, PRINTABLE_SIZE - used, "...");
    out[used] = '\0';
    return out;
}

static bool buffer_append(struct buffer *b, const void *data, size_t n) {
    if (b->overflow || n > b->limit - b->len) {
        b->overflow = true;
        return false;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->overflow = true;
            return false;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return true;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when the byte at s starts none. */
static size_t utf8_sequence_length(const unsigned char *s, size_t available) {
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) n = 2;
    else if (s[0] == 0xe0) n = 3, lo = 0xa0;
    else if (s[0] == 0xed) n = 3, hi = 0x9f;
    else if (s[0] >= 0xe1 && s[0] <= 0xef) n = 3;
    else if (s[0] == 0xf0) n = 4, lo = 0x90;
    else if (s[0] >= 0xf1 && s[0] <= 0xf3) n = 4;
    else if (s[0] == 0xf4) n = 4, hi = 0x8f;
    else return 0;
    if (available < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

/* A JSON string the agent's JSON.parse reads back byte-exact, except that each
 * byte that is not part of valid UTF-8 becomes U+FFFD (JSON must be UTF-8). */
static bool append_json_string(struct buffer *b, const char *text, size_t len) {
    const unsigned char *s = (const unsigned char *)text;
    bool ok = buffer_append(b, "\"", 1);
    for (size_t i = 0; ok && i < len;) {
        char escaped[8];
        const char *replacement = NULL;
        if (s[i] == '"') replacement = "\\\"";
        else if (s[i] == '\\') replacement = "\\\\";
        else if (s[i] == '\n') replacement = "\\n";
        else if (s[i] == '\t') replacement = "\\t";
        else if (s[i] == '\r') replacement = "\\r";
        else if (s[i] < 0x20 || s[i] == 0x7f) {
            snprintf(escaped, sizeof escaped, "\\u%04x", s[i]);
            replacement = escaped;
        }
        if (replacement != NULL) {
            ok = buffer_append(b, replacement, strlen(replacement));
            i++;
            continue;
        }
        size_t n = utf8_sequence_length(s + i, len - i);
        ok = n == 0 ? buffer_append(b, "\xef\xbf\xbd", 3) : buffer_append(b, s + i, n);
        i += n == 0 ? 1 : n;
    }
    return ok && buffer_append(b, "\"", 1);
}

static bool is_allowlisted(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof ALLOWED_NAMES / sizeof *ALLOWED_NAMES; i++)
        if (strlen(ALLOWED_NAMES[i]) == len && memcmp(name, ALLOWED_NAMES[i], len) == 0) return true;
    for (size_t i = 0; i < sizeof ALLOWED_PREFIXES / sizeof *ALLOWED_PREFIXES; i++)
        if (len >= strlen(ALLOWED_PREFIXES[i]) && memcmp(name, ALLOWED_PREFIXES[i], strlen(ALLOWED_PREFIXES[i])) == 0)
            return true;
    return false;
}

/* getenv() and shells use the first of duplicate entries, while the agent's
 * JSON.parse would keep the last key: send only the first, as ocserv meant it. */
static bool seen_earlier(char **entry, size_t name_len) {
    for (char **e = environ; e < entry; e++)
        if (strncmp(*e, *entry, name_len + 1) == 0) return true;
    return false;
}

static bool build_request(struct buffer *b, const char *op, long budget_ms) {
    char head[96];
    int n = snprintf(head, sizeof head, "{\"op\":\"%s\",\"budget_ms\":%ld,\"env\":{", op, budget_ms);
    bool ok = buffer_append(b, head, (size_t)n), first = true;
    for (char **e = environ; ok && *e != NULL; e++) {
        const char *equals = strchr(*e, '=');
        if (equals == NULL) continue;
        size_t name_len = (size_t)(equals - *e);
        if (!is_allowlisted(*e, name_len) || seen_earlier(e, name_len)) continue;
        ok = (first || buffer_append(b, ",", 1)) && append_json_string(b, *e, name_len) && buffer_append(b, ":", 1) &&
             append_json_string(b, equals + 1, strlen(equals + 1));
        first = false;
    }
    return ok && buffer_append(b, "}}\n", 3);
}

static bool failf(char *why, size_t why_size, const char *format, ...) __attribute__((format(printf, 3, 4)));
static bool failf(char *why, size_t why_size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
    return false;
}

/* A decimal integer min..max, digits only (no sign, no unit, no blanks). */
static bool parse_bounded(const char *value, long min, long max, long *out) {
    size_t digits = strspn(value, "0123456789");
    if (digits == 0 || digits > 10 || value[digits] != '\0') return false;
    long n = strtol(value, NULL, 10);
    if (n < min || n > max) return false;
    *out = n;
    return true;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n')) *--end = '\0';
    return s;
}

/* One `key = value` line; `#` starts a comment at line start or after a blank. */
static bool parse_config_line(struct config *cfg, char *line, unsigned *seen, char *why, size_t why_size) {
    char out[PRINTABLE_SIZE];
    for (char *p = line; *p != '\0'; p++)
        if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    char *text = trim(line), *equals = strchr(text, '=');
    if (*text == '\0') return true;
    if (equals == NULL) return failf(why, why_size, "expected `key = value`");
    *equals = '\0';
    char *key = trim(text), *value = trim(equals + 1);
    unsigned bit;
    if (strcmp(key, "socket") == 0) {
        bit = 1;
        if (value[0] != '/' || strlen(value) >= sizeof cfg->socket)
            return failf(why, why_size, "socket must be an absolute path shorter than %zu bytes, got '%s'",
                         sizeof cfg->socket, printable(value, strlen(value), LOG_TEXT_MAX_BYTES, out));
        strcpy(cfg->socket, value);
    } else if (strcmp(key, "timeout_ms") == 0) {
        bit = 2;
        if (!parse_bounded(value, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, &cfg->timeout_ms))
            return failf(why, why_size,
                         "timeout_ms must be an integer %ld..%ld (the agent refuses a budget under %ld ms), got '%s'",
                         MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, printable(value, strlen(value), LOG_TEXT_MAX_BYTES, out));
    } else if (strcmp(key, "max_request_bytes") == 0) {
        bit = 8;
        if (!parse_bounded(value, MIN_MAX_REQUEST_BYTES, MAX_MAX_REQUEST_BYTES, &cfg->max_request_bytes))
            return failf(why, why_size, "max_request_bytes must be an integer %ld..%ld (the agent's ipc.max_request_bytes), got '%s'",
                         MIN_MAX_REQUEST_BYTES, MAX_MAX_REQUEST_BYTES, printable(value, strlen(value), LOG_TEXT_MAX_BYTES, out));
    } else if (strcmp(key, "agent_uid") == 0) {
        bit = 16;
        long uid;
        if (!parse_bounded(value, 0, MAX_UID, &uid))
            return failf(why, why_size, "agent_uid must be a numeric uid 0..%ld, got '%s'", MAX_UID,
                         printable(value, strlen(value), LOG_TEXT_MAX_BYTES, out));
        cfg->agent_uid = (uid_t)uid;
    } else if (strcmp(key, "on_agent_unreachable") == 0) {
        bit = 4;
        if (strcmp(value, "deny") != 0 && strcmp(value, "allow") != 0)
            return failf(why, why_size, "on_agent_unreachable must be deny or allow, got '%s'",
                         printable(value, strlen(value), LOG_TEXT_MAX_BYTES, out));
        cfg->allow_when_unreachable = strcmp(value, "allow") == 0;
    } else {
        return failf(why, why_size, "unknown key '%s'", printable(key, strlen(key), LOG_TEXT_MAX_BYTES, out));
    }
    if (*seen & bit) return failf(why, why_size, "%s given twice", key);
    *seen |= bit;
    return true;
}

/* false (and why) when the configuration is unusable. */
static bool load_config(struct config *cfg, char *why, size_t why_size) {
    const char *path = getenv(CONFIG_PATH_ENV);
    bool named = path != NULL && *path != '\0';
    strcpy(cfg->socket, DEFAULT_SOCKET_PATH);
    cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
    cfg->max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
    cfg->agent_uid = (uid_t)DEFAULT_AGENT_UID;
    cfg->allow_when_unreachable = false;
    if (!named) path = DEFAULT_CONFIG_PATH;
    FILE *file = fopen(path, "re");
    if (file == NULL) {
        if (!named && errno == ENOENT) return true; /* no default file: built-in defaults */
        return failf(why, why_size, "cannot open %s: %s", path, strerror(errno));
    }
    char *line = NULL, detail[1024];
    size_t cap = 0;
    ssize_t len;
    unsigned line_no = 0, seen = 0;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, file)) >= 0) {
        line_no++;
        ok = strlen(line) == (size_t)len ? parse_config_line(cfg, line, &seen, detail, sizeof detail)
                                         : failf(detail, sizeof detail, "NUL byte in line");
        if (!ok) snprintf(why, why_size, "%s line %u: %s", path, line_no, detail);
    }
    if (ok && ferror(file)) ok = failf(why, why_size, "cannot read %s: %s", path, strerror(errno));
    free(line);
    fclose(file);
    return ok;
}

/* 1 when fd is ready, 0 when the deadline passed, -1 on a poll error. */
static int wait_ready(int fd, short events, long long deadline_ms) {
    for (;;) {
        int left = remaining_ms(deadline_ms);
        if (left == 0) return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int ready = poll(&p, 1, left);
        if (ready > 0) return 1; /* POLLERR/POLLHUP too: the next send/recv reports it */
        if (ready < 0 && errno != EINTR) return -1;
    }
}

static enum exchange_result result_of(enum exchange_result result, struct exchange *x, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static enum exchange_result result_of(enum exchange_result result, struct exchange *x, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(x->why, sizeof x->why, format, args);
    va_end(args);
    return result;
}

static enum exchange_result timed_out(const struct config *cfg, struct exchange *x) {
    return result_of(EXCHANGE_ABSENT, x, "no answer within timeout_ms=%ld", cfg->timeout_ms);
}

/* Only "there is no socket file" and "nothing listens on it" mean the agent is
 * absent. EACCES, ENOTDIR, ELOOP and the rest say the hook is set up wrong (or
 * runs under a uid that may not connect): that is no reason to let anyone in. */
static enum exchange_result connect_failed(int error, struct exchange *x) {
    if (error == ENOENT || error == ECONNREFUSED) return result_of(EXCHANGE_ABSENT, x, "%s", strerror(error));
    return result_of(EXCHANGE_FAILED, x, "cannot connect: %s (a configuration error%s)", strerror(error),
                     error == EACCES ? ": this uid may not use the socket; check ipc.socket_group and the socket's mode" : "");
}

/* Only a listener running as root or agent_uid is the agent: anyone else who
 * managed to bind the path must not be able to answer "allowed". */
static enum exchange_result check_peer(int fd, const struct config *cfg, struct exchange *x) {
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0)
        return result_of(EXCHANGE_FAILED, x, "cannot read the listener's credentials (SO_PEERCRED): %s", strerror(errno));
    if (peer.uid != 0 && peer.uid != cfg->agent_uid)
        return result_of(EXCHANGE_FAILED, x, "the process listening on the socket (pid %ld) runs as uid %lu, not root or agent_uid=%lu: not trusted",
                         (long)peer.pid, (unsigned long)peer.uid, (unsigned long)cfg->agent_uid);
    return EXCHANGE_CONTINUE;
}

static enum exchange_result connect_agent(int fd, const struct config *cfg, long long deadline_ms, struct exchange *x) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, cfg->socket, strlen(cfg->socket) + 1);
    while (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EISCONN) {
        /* Linux answers a full listen backlog on a Unix socket with EAGAIN (the
         * connect does not continue in the background): retry until the deadline. */
        if (errno == EAGAIN || errno == EINTR) {
            int left = remaining_ms(deadline_ms);
            if (left == 0) return timed_out(cfg, x);
            poll(NULL, 0, left < CONNECT_RETRY_MS ? left : CONNECT_RETRY_MS);
        } else if (errno == EINPROGRESS || errno == EALREADY) {
            int error = 0, ready = wait_ready(fd, POLLOUT, deadline_ms);
            socklen_t error_len = sizeof error;
            if (ready == 0) return timed_out(cfg, x);
            if (ready < 0) return result_of(EXCHANGE_FAILED, x, "poll: %s", strerror(errno));
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
            if (error == 0) break;
            return connect_failed(error, x);
        } else {
            return connect_failed(errno, x);
        }
    }
    return check_peer(fd, cfg, x);
}

/* Reads one line into x->answer (without its '\n'). EXCHANGE_ANSWERED with
 * has_line set, or why it did not come. */
static enum exchange_result read_line(int fd, const struct config *cfg, long long deadline_ms, struct exchange *x) {
    for (size_t done = 0;;) {
        if (done == MAX_ANSWER_BYTES) return result_of(EXCHANGE_FAILED, x, "answer longer than %d bytes", MAX_ANSWER_BYTES);
        ssize_t n = recv(fd, x->answer + done, MAX_ANSWER_BYTES - done, 0);
        if (n > 0) {
            char *newline = memchr(x->answer + done, '\n', (size_t)n);
            done += (size_t)n;
            if (newline != NULL) {
                x->answer_len = (size_t)(newline - x->answer);
                x->has_line = true;
                return EXCHANGE_ANSWERED;
            }
        } else if (n == 0) {
            return result_of(EXCHANGE_FAILED, x, "connection closed without an answer line");
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int ready = wait_ready(fd, POLLIN, deadline_ms);
            if (ready == 0) return timed_out(cfg, x);
            if (ready < 0) return result_of(EXCHANGE_FAILED, x, "poll: %s", strerror(errno));
        } else if (errno != EINTR) {
            /* ECONNRESET comes after the data the agent sent, never instead of it. */
            return result_of(EXCHANGE_FAILED, x, "%s", strerror(errno));
        }
    }
}

/* Sends the request. A peer that stops taking it (EPIPE, ECONNRESET: the agent
 * refused it, e.g. over ipc.max_request_bytes, and closed) has answered "no":
 * EXCHANGE_CUT_SHORT, with its refusal line in x->answer when one arrived. */
static enum exchange_result send_request(int fd, const struct config *cfg, const struct buffer *request, long long deadline_ms,
                                         struct exchange *x) {
    for (size_t done = 0; done < request->len;) {
        ssize_t n = send(fd, request->data + done, request->len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int ready = wait_ready(fd, POLLOUT, deadline_ms);
            if (ready == 0) return timed_out(cfg, x);
            if (ready < 0) return result_of(EXCHANGE_FAILED, x, "poll: %s", strerror(errno));
        } else if (n < 0 && errno != EINTR) {
            int error = errno;
            if (read_line(fd, cfg, deadline_ms, x) != EXCHANGE_ANSWERED) x->has_line = false;
            return result_of(EXCHANGE_CUT_SHORT, x, "the agent closed the connection after %zu of %zu request bytes (%s)", done,
                             request->len, strerror(error));
        }
    }
    return EXCHANGE_CONTINUE;
}

/* Connects, checks who listens, sends the request and reads one answer line. */
static enum exchange_result exchange(const struct config *cfg, const struct buffer *request, long long deadline_ms, struct exchange *x) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return result_of(EXCHANGE_FAILED, x, "socket: %s", strerror(errno));
    enum exchange_result result = connect_agent(fd, cfg, deadline_ms, x);
    if (result == EXCHANGE_CONTINUE) result = send_request(fd, cfg, request, deadline_ms, x);
    if (result == EXCHANGE_CONTINUE) result = read_line(fd, cfg, deadline_ms, x);
    close(fd);
    return result;
}

static const char *skip_whitespace(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* p at an opening quote: returns the byte after the closing quote, or NULL
 * when the string is not valid JSON (bad escape, raw control character, end). */
static const char *scan_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '"') return p + 1;
        if ((unsigned char)*p < 0x20) return NULL;
        if (*p != '\\') continue;
        if (++p == end) return NULL;
        if (*p == 'u') {
            if (end - p < 5) return NULL;
            for (int i = 1; i <= 4; i++)
                if (hex_digit(p[i]) < 0) return NULL;
            p += 4;
        } else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL) {
            return NULL;
        }
    }
    return NULL;
}

/* Compares a still-escaped JSON key with a plain ASCII name the way JSON.parse
 * would ("\u0061llowed" is "allowed"); the key was validated by scan_string. */
static bool key_equals(const char *raw, size_t len, const char *name) {
    for (size_t i = 0; i < len; name++) {
        char c = raw[i++];
        if (c == '\\') {
            char e = raw[i++];
            if (e == 'u') {
                int code = hex_digit(raw[i]) << 12 | hex_digit(raw[i + 1]) << 8 | hex_digit(raw[i + 2]) << 4 | hex_digit(raw[i + 3]);
                if (code >= 0x80) return false;
                c = (char)code;
                i += 4;
            } else {
                c = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
            }
        }
        if (*name == '\0' || c != *name) return false;
    }
    return *name == '\0';
}

static const char *skip_digits(const char *p, const char *end) {
    const char *start = p;
    while (p < end && *p >= '0' && *p <= '9') p++;
    return p > start ? p : NULL;
}

static const char *skip_number(const char *p, const char *end) {
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') p++;
    else if ((p = skip_digits(p, end)) == NULL) return NULL;
    if (p < end && *p == '.' && (p = skip_digits(p + 1, end)) == NULL) return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        p = skip_digits(p, end);
    }
    return p;
}

static void note_member(struct answer *a, const char *key, size_t key_len, const char *value, size_t value_len) {
    if (key_equals(key, key_len, "allowed")) {
        if (value_len == 4 && memcmp(value, "true", 4) == 0) a->allowed_true = true;
        else a->allowed_other = true;
    } else if (a->reason == NULL && *value == '"' &&
               (key_equals(key, key_len, "reason") || key_equals(key, key_len, "error") || key_equals(key, key_len, "message"))) {
        a->reason = value + 1;
        a->reason_len = value_len - 2;
    }
}

static const char *skip_value(const char *p, const char *end, int depth);

/* Walks the object or array at p, validating it strictly. Members are recorded
 * only for the outermost object (top != NULL): a nested "allowed" never counts.
 * Returns the byte after it, or NULL when it is not valid JSON. */
static const char *walk_container(const char *p, const char *end, int depth, struct answer *top) {
    bool object = *p == '{';
    char close = object ? '}' : ']';
    if (depth > MAX_JSON_DEPTH) return NULL;
    p = skip_whitespace(p + 1, end);
    if (p < end && *p == close) return p + 1;
    for (;;) {
        const char *key = p + 1, *key_end = p, *value;
        if (object) {
            if (p == end || *p != '"' || (key_end = scan_string(p, end)) == NULL) return NULL;
            p = skip_whitespace(key_end, end);
            if (p == end || *p != ':') return NULL;
            p = skip_whitespace(p + 1, end);
        }
        value = p;
        if ((p = skip_value(p, end, depth + 1)) == NULL) return NULL;
        if (object && top != NULL) note_member(top, key, (size_t)(key_end - 1 - key), value, (size_t)(p - value));
        p = skip_whitespace(p, end);
        if (p < end && *p == ',') p = skip_whitespace(p + 1, end);
        else if (p < end && *p == close) return p + 1;
        else return NULL;
    }
}

static const char *skip_value(const char *p, const char *end, int depth) {
    static const char *const literals[] = {"true", "false", "null"};
    if (p == end) return NULL;
    if (*p == '"') return scan_string(p, end);
    if (*p == '{' || *p == '[') return walk_container(p, end, depth, NULL);
    for (size_t i = 0; i < sizeof literals / sizeof *literals; i++) {
        size_t n = strlen(literals[i]);
        if ((size_t)(end - p) >= n && memcmp(p, literals[i], n) == 0) return p + n;
    }
    return skip_number(p, end);
}

/* The answer line must be exactly one JSON object (whitespace around it is fine). */
static bool parse_answer(const char *p, const char *end, struct answer *a) {
    memset(a, 0, sizeof *a);
    p = skip_whitespace(p, end);
    if (p == end || *p != '{') return false;
    p = walk_container(p, end, 0, a);
    return p != NULL && skip_whitespace(p, end) == end;
}

/* ocserv may start scripts with stdio closed; the agent socket must not become
 * fd 2, or log lines would be written into the request stream. */
static void ensure_standard_fds(void) {
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int null_fd = open("/dev/null", O_RDWR);
            if (null_fd > 2) close(null_fd);
        }
}

/* The reason in an answer line, or NULL. */
static const char *reason_of(const struct exchange *x, char out[PRINTABLE_SIZE]) {
    struct answer parsed;
    if (!x->has_line || !parse_answer(x->answer, x->answer + x->answer_len, &parsed) || parsed.reason == NULL) return NULL;
    return printable(parsed.reason, parsed.reason_len, LOG_TEXT_MAX_BYTES, out);
}

int main(void) {
    long long started_ms = monotonic_ms();
    static char answer[MAX_ANSWER_BYTES];
    char user_text[PRINTABLE_SIZE], detail[PRINTABLE_SIZE], socket_text[PRINTABLE_SIZE], why[1536];
    struct config cfg;
    struct buffer request = {0};
    struct answer parsed;
    struct exchange x = {.answer = answer};

    ensure_standard_fds();
    /* send() uses MSG_NOSIGNAL; this also keeps a closed stderr from killing the hook mid-decision. */
    signal(SIGPIPE, SIG_IGN);
    openlog(HOOK_NAME, LOG_PID, LOG_AUTHPRIV);
    const char *op = getenv("REASON"), *username = getenv("USERNAME");
    const char *user = printable(username, username ? strlen(username) : 0, LOG_USERNAME_MAX_BYTES, user_text);
    bool is_connect = op != NULL && strcmp(op, "connect") == 0;
    if (op == NULL || (!is_connect && strcmp(op, "disconnect") != 0 && strcmp(op, "host-update") != 0)) {
        /* ocserv only passes the three; anything else is treated as a connect that is not allowed. */
        log_event(LOG_ERR, "unknown REASON '%s'; denying user %s",
                  op ? printable(op, strlen(op), LOG_USERNAME_MAX_BYTES, detail) : "(unset)", user);
        return 1;
    }
    if (!load_config(&cfg, why, sizeof why)) {
        if (is_connect) log_event(LOG_ERR, "unusable configuration (%s); denying user %s", why, user);
        else log_event(LOG_ERR, "unusable configuration (%s); %s of user %s not reported", why, op, user);
        return is_connect ? 1 : 0;
    }
    /* Too big to send: deny even with on_agent_unreachable=allow, or a client
     * could choose the fallback by inflating a variable it controls. The line's
     * '\n' is not counted, as the agent does not count it. */
    request.limit = (size_t)cfg.max_request_bytes + 1;
    if (!build_request(&request, op, cfg.timeout_ms)) {
        if (is_connect)
            log_event(LOG_ERR, "request larger than max_request_bytes=%ld; denying user %s", cfg.max_request_bytes, user);
        else
            log_event(LOG_ERR, "request larger than max_request_bytes=%ld; %s of user %s not reported", cfg.max_request_bytes, op, user);
        return is_connect ? 1 : 0;
    }
    enum exchange_result result = exchange(&cfg, &request, started_ms + cfg.timeout_ms, &x);
    free(request.data);
    if (result == EXCHANGE_ANSWERED && !parse_answer(answer, answer + x.answer_len, &parsed)) {
        result = result_of(EXCHANGE_FAILED, &x, "unparsable answer '%s'", printable(answer, x.answer_len, LOG_TEXT_MAX_BYTES, detail));
    }
    const char *where = printable(cfg.socket, strlen(cfg.socket), LOG_TEXT_MAX_BYTES, socket_text);
    if (result == EXCHANGE_CUT_SHORT) {
        const char *reason = reason_of(&x, detail);
        if (reason != NULL) {
            size_t used = strlen(x.why);
            snprintf(x.why + used, sizeof x.why - used, ", refusing it with: %s", reason);
        }
    }
    if (!is_connect) {
        if (result == EXCHANGE_ABSENT) log_event(LOG_WARNING, "agent unreachable at %s: %s; %s of user %s not confirmed", where, x.why, op, user);
        else if (result != EXCHANGE_ANSWERED)
            log_event(LOG_WARNING, "no usable answer from the agent at %s: %s; %s of user %s not confirmed", where, x.why, op, user);
        else if (parsed.reason != NULL)
            log_event(LOG_NOTICE, "agent answered the %s of user %s with: %s", op, user,
                      printable(parsed.reason, parsed.reason_len, LOG_TEXT_MAX_BYTES, detail));
        return 0;
    }
    if (result == EXCHANGE_ABSENT) {
        log_event(cfg.allow_when_unreachable ? LOG_WARNING : LOG_ERR, "agent unreachable at %s: %s; %s user %s (on_agent_unreachable=%s)",
                  where, x.why, cfg.allow_when_unreachable ? "allowing" : "denying", user,
                  cfg.allow_when_unreachable ? "allow" : "deny");
        return cfg.allow_when_unreachable ? 0 : 1;
    }
    if (result != EXCHANGE_ANSWERED) {
        /* Not an absent agent: on_agent_unreachable does not apply, whatever it says. */
        log_event(LOG_ERR, "no usable answer from the agent at %s: %s; denying user %s", where, x.why, user);
        return 1;
    }
    if (parsed.allowed_true && !parsed.allowed_other) return 0;
    log_event(LOG_NOTICE, "agent denied user %s: %s", user,
              parsed.reason ? printable(parsed.reason, parsed.reason_len, LOG_TEXT_MAX_BYTES, detail) : "(no reason given)");
    return 1;
}
