/*
 * SDP offers and trickled ICE candidates; see sdp_check.h.
 *
 * The offer is read once, line by line, in place: each line's syntax is
 * checked as it comes (so a malformed line is reported with its number),
 * and what the rules need — per m-line its mid, ICE credentials,
 * fingerprint, setup, direction and payload types — is noted in fixed-size
 * tables. The rules that span lines (bundle, credentials, codecs) are
 * applied after the last line, in one fixed order, so an offer with
 * several problems always gets the same reason.
 *
 * About 900 lines, kept as one file: it is one parser whose per-line checks
 * and final rules share its fixed tables; split, the order in which reasons
 * are decided (part of the protocol: the same offer always gets the same
 * refusal) would be spread over files.
 */
#include "sdp_check.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

/* A piece of the caller's buffer; never NUL-terminated. */
struct span {
    const char *p;
    size_t n;
};

/* Words separated by single spaces. done is set once the last word has
 * been taken, so "a b " yields "a", "b" and an empty word (refused by the
 * callers) rather than silently dropping the trailing separator. */
struct words {
    struct span rest;
    bool done;
};

static struct words words_of(struct span s)
{
    return (struct words){s, false};
}

static bool next_word(struct words *w, struct span *out)
{
    if (w->done)
        return false;
    const char *sp = w->rest.n ? memchr(w->rest.p, ' ', w->rest.n) : NULL;
    if (!sp) {
        *out = w->rest;
        w->done = true;
        return true;
    }
    out->p = w->rest.p;
    out->n = (size_t)(sp - w->rest.p);
    w->rest.p = sp + 1;
    w->rest.n -= out->n + 1;
    return true;
}

/* The next word, which must be there and not be empty. */
static bool word(struct words *w, struct span *out)
{
    return next_word(w, out) && out->n > 0;
}

static bool eq(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII), as SDP compares encoding and hash names. */
static bool ieq(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(lit[i]))
            return false;
    return true;
}

/* Splits s at its first sep: head before it, s after it. Without sep, head
 * is all of s and false is returned. */
static bool split(struct span *s, char sep, struct span *head)
{
    const char *at = s->n ? memchr(s->p, sep, s->n) : NULL;
    if (!at) {
        *head = *s;
        s->p += s->n;
        s->n = 0;
        return false;
    }
    head->p = s->p;
    head->n = (size_t)(at - s->p);
    s->n -= head->n + 1;
    s->p = at + 1;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static bool digits(struct span s, size_t max_digits)
{
    if (s.n == 0 || s.n > max_digits)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_digit(s.p[i]))
            return false;
    return true;
}

/* A decimal of at most max_digits digits (<= 19: no overflow) and at most
 * max. */
static bool number(struct span s, size_t max_digits, uint64_t max, uint64_t *out)
{
    if (!digits(s, max_digits))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++)
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    if (v > max)
        return false;
    if (out)
        *out = v;
    return true;
}

/* RFC 4566 token-char: printable ASCII but for space and " ( ) , / : ; < = > ? @ [ \ ] { }
 * (mids, attribute names, bandwidth types). */
static bool is_token_char(char c)
{
    unsigned char u = (unsigned char)c;
    return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d ||
           u == 0x2e || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) ||
           (u >= 0x5e && u <= 0x7e);
}

static bool token(struct span s, size_t max)
{
    if (s.n == 0 || s.n > max)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_token_char(s.p[i]))
            return false;
    return true;
}

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". */
static bool ice_chars(struct span s, size_t min, size_t max)
{
    if (s.n < min || s.n > max)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!is_digit(c) && !(lower(c) >= 'a' && lower(c) <= 'z') && c != '+' && c != '/')
            return false;
    }
    return true;
}

/* UTF-8 (RFC 3629: no overlong forms, no surrogates) without control
 * characters: what an SDP line may hold once its CRLF or LF is gone. */
static bool text_ok(struct span s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    while (i < s.n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t k;
        unsigned min, cp;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, min = 0x80, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, min = 0x800, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, min = 0x10000, cp = c & 0x07;
        else
            return false;
        if (s.n - i - 1 < k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

/* --- ICE candidates ------------------------------------------------------------------ */

/* An address of family af (AF_INET or AF_INET6), whole. glibc's inet_pton
 * takes exactly four decimal parts without leading zeros for IPv4, unlike
 * inet_aton (no "0x7f.1" or "127.1"), and no zone id ("%eth0") for IPv6: a
 * remote browser's link-local address is of no use to us anyway. */
static bool ip_address(struct span s, int af)
{
    char buf[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    if (s.n == 0 || s.n >= (af == AF_INET ? INET_ADDRSTRLEN : INET6_ADDRSTRLEN))
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    return inet_pton(af, buf, bin) == 1;
}

static bool ipv4(struct span s)
{
    return ip_address(s, AF_INET);
}

static bool ipv6(struct span s)
{
    return ip_address(s, AF_INET6);
}

/* A browser's mDNS name for a hidden host address: a random UUID in the
 * 8-4-4-4-12 form, then ".local" (RFC 8828 section 5.1; Chromium and Firefox). Any
 * other name is refused: resolving names a client picks is not our job. */
static bool mdns_name(struct span s)
{
    static const char suffix[] = ".local";
    size_t sn = sizeof suffix - 1;
    if (s.n != 36 + sn || !ieq((struct span){s.p + 36, sn}, suffix))
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s.p[i] != '-' : !is_hex(s.p[i]))
            return false;
    }
    return true;
}

static bool address(struct span s)
{
    return ipv4(s) || ipv6(s) || mdns_name(s);
}

/* An address plenumd must never send packets to on a client's word: link-local
 * (169.254.0.0/16, fe80::/10, also IPv4-mapped), where clouds answer their
 * instance metadata (169.254.169.254, 169.254.170.2), and the other metadata
 * addresses (AWS fd00:ec2::254, Alibaba 100.100.100.200). A candidate naming
 * one would make the server's ICE agent probe it for the client. */
static bool forbidden_address(struct span s)
{
    char buf[INET6_ADDRSTRLEN];
    unsigned char b[16];
    if (s.n == 0 || s.n >= sizeof buf)
        return false;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    if (inet_pton(AF_INET, buf, b) == 1)
        return (b[0] == 169 && b[1] == 254) ||
               (b[0] == 100 && b[1] == 100 && b[2] == 100 && b[3] == 200);
    if (inet_pton(AF_INET6, buf, b) != 1)
        return false; /* an mDNS name */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char aws[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0,    0,
                                          0,    0, 0,    0,    0, 0, 0x02, 0x54};
    if (memcmp(b, mapped, 12) == 0)
        return (b[12] == 169 && b[13] == 254) ||
               (b[12] == 100 && b[13] == 100 && b[14] == 100 && b[15] == 200);
    return (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || memcmp(b, aws, 16) == 0;
}

static bool port(struct span s)
{
    return number(s, 5, 65535, NULL);
}

/* "candidate:..." (RFC 8839 section 5.1) as in a trickled RTCIceCandidate or after
 * "a=" in an SDP line. */
static bool candidate(struct span s, bool *forbidden)
{
    static const char prefix[] = "candidate:";
    size_t pn = sizeof prefix - 1;
    if (s.n > PL_ICE_CANDIDATE_MAX || s.n < pn || memcmp(s.p, prefix, pn) != 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if ((unsigned char)s.p[i] < 0x20 || (unsigned char)s.p[i] > 0x7e)
            return false;
    struct words w = words_of((struct span){s.p + pn, s.n - pn});
    struct span f, comp, transport, prio, addr, prt, typ, type;
    if (!word(&w, &f) || !ice_chars(f, 1, 32))
        return false;
    uint64_t c;
    if (!word(&w, &comp) || !number(comp, 3, 256, &c) || c == 0)
        return false;
    if (!word(&w, &transport))
        return false;
    bool tcp = ieq(transport, "tcp");
    if (!tcp && !ieq(transport, "udp"))
        return false;
    if (!word(&w, &prio) || !number(prio, 10, UINT32_MAX, NULL))
        return false;
    if (!word(&w, &addr) || !address(addr) || !word(&w, &prt) || !port(prt))
        return false;
    *forbidden = forbidden_address(addr);
    if (!word(&w, &typ) || !eq(typ, "typ") || !word(&w, &type))
        return false;
    if (!eq(type, "host") && !eq(type, "srflx") && !eq(type, "prflx") && !eq(type, "relay"))
        return false;
    /* Then name/value pairs: raddr, rport, tcptype and extensions
     * (Chromium's generation, ufrag, network-id, network-cost). */
    bool tcptype = false;
    struct span name, value;
    while (next_word(&w, &name)) {
        if (name.n == 0 || !word(&w, &value))
            return false;
        if (eq(name, "raddr") && !address(value))
            return false;
        if (eq(name, "rport") && !port(value))
            return false;
        if (eq(name, "tcptype")) {
            if (!eq(value, "active") && !eq(value, "passive") && !eq(value, "so"))
                return false;
            tcptype = true;
        }
    }
    /* RFC 6544: a TCP candidate says which end connects; libnice needs it. */
    return tcp == tcptype;
}

/* The grammar, then the address the candidate names. */
static enum pl_sdp_err check_candidate(struct span s)
{
    bool forbidden = false;
    if (!candidate(s, &forbidden))
        return PL_SDP_BAD_CANDIDATE;
    return forbidden ? PL_SDP_FORBIDDEN_ADDRESS : PL_SDP_OK;
}

enum pl_sdp_err pl_ice_check_candidate(const char *cand, size_t len, const char *mid,
                                       int mline_index, int n_mlines)
{
    if (mid) {
        size_t n = strnlen(mid, PL_SDP_MID_MAX + 1);
        if (!token((struct span){mid, n}, PL_SDP_MID_MAX))
            return PL_SDP_BAD_MID;
    }
    if (mline_index < -1 || (mline_index >= 0 && mline_index >= n_mlines))
        return PL_SDP_BAD_MLINE_INDEX;
    if (len == 0)
        return PL_SDP_OK; /* the end of the candidates */
    if (!cand)
        return PL_SDP_BAD_CANDIDATE;
    /* Without either we could not tell which m-line it belongs to. */
    if (mline_index < 0 && !mid)
        return PL_SDP_BAD_MLINE_INDEX;
    return check_candidate((struct span){cand, len});
}

/* --- the offer ----------------------------------------------------------------------- */

/* Attributes that may be at session level and in an m-section; an
 * m-section's own win. */
struct level {
    bool ufrag, pwd, fingerprint, setup, direction_set;
    enum pl_sdp_direction direction;
};

/* RTP payload types are 7 bits (RFC 3550). */
#define PT_COUNT 128

struct msection {
    enum pl_sdp_kind kind;
    unsigned line; /* of its m= */
    bool port_zero, bundle_only;
    bool has_mid;
    struct span mid;
    struct level attrs;
    /* The m= line's payload types, first occurrences in its order. */
    unsigned char order[PT_COUNT];
    int n_order;
    bool listed[PT_COUNT];
    bool mapped[PT_COUNT]; /* has an a=rtpmap */
    enum pl_sdp_codec codec[PT_COUNT];
    bool mode1[PT_COUNT]; /* H.264 packetization-mode=1 in its a=fmtp */
};

struct offer {
    bool o, s, t;
    struct level attrs;
    int n_bundle;
    struct span bundle; /* the tags after "BUNDLE " */
    unsigned bundle_line;
    unsigned at; /* the line being read */
    int n_media;
    struct msection media[PL_SDP_MAX_MEDIA];
};

#define FAIL(code, at)                                                                             \
    do {                                                                                           \
        *line = (at);                                                                              \
        return (code);                                                                             \
    } while (0)

/* o=<username> <sess-id> <sess-version> IN <IP4|IP6> <address> */
static bool origin(struct span v)
{
    struct words w = words_of(v);
    struct span user, id, version, net, type, addr;
    /* Session ids are up to 64 bits in decimal (Chromium's are 19 digits). */
    return word(&w, &user) && word(&w, &id) && digits(id, 20) && word(&w, &version) &&
           digits(version, 20) && word(&w, &net) && eq(net, "IN") && word(&w, &type) &&
           (eq(type, "IP4") || eq(type, "IP6")) && word(&w, &addr) && w.done;
}

/* c=IN <IP4|IP6> <address> */
static bool connection(struct span v)
{
    struct words w = words_of(v);
    struct span net, type, addr;
    return word(&w, &net) && eq(net, "IN") && word(&w, &type) &&
           (eq(type, "IP4") || eq(type, "IP6")) && word(&w, &addr) && w.done;
}

/* b=<bwtype>:<bandwidth> */
static bool bandwidth(struct span v)
{
    struct span type;
    return split(&v, ':', &type) && token(type, 32) && digits(v, 10);
}

/* t=<start> <stop> */
static bool timing(struct span v)
{
    struct words w = words_of(v);
    struct span start, stop;
    return word(&w, &start) && digits(start, 20) && word(&w, &stop) && digits(stop, 20) && w.done;
}

/* m=<audio|video|application> <port> <proto> <fmt>... */
static enum pl_sdp_err media_line(struct span v, struct msection *m)
{
    struct words w = words_of(v);
    struct span kind, prt, proto, fmt;
    uint64_t port_no;
    if (!word(&w, &kind) || !word(&w, &prt) || !word(&w, &proto))
        return PL_SDP_MALFORMED;
    if (!number(prt, 5, 65535, &port_no))
        return PL_SDP_MALFORMED; /* also "9/2": WebRTC never uses port counts */
    m->port_zero = port_no == 0;
    if (eq(kind, "application")) {
        m->kind = PL_SDP_APPLICATION;
        if (!eq(proto, "UDP/DTLS/SCTP") || !word(&w, &fmt) || !eq(fmt, "webrtc-datachannel") ||
            !w.done)
            return PL_SDP_UNSUPPORTED_MEDIA;
        return PL_SDP_OK;
    }
    if (eq(kind, "audio"))
        m->kind = PL_SDP_AUDIO;
    else if (eq(kind, "video"))
        m->kind = PL_SDP_VIDEO;
    else
        return PL_SDP_UNSUPPORTED_MEDIA;
    if (!eq(proto, "UDP/TLS/RTP/SAVPF"))
        return PL_SDP_UNSUPPORTED_MEDIA;
    while (next_word(&w, &fmt)) {
        uint64_t pt;
        if (!number(fmt, 3, PT_COUNT - 1, &pt))
            return PL_SDP_MALFORMED;
        if (!m->listed[pt]) {
            m->listed[pt] = true;
            m->order[m->n_order++] = (unsigned char)pt;
        }
    }
    return m->n_order > 0 ? PL_SDP_OK : PL_SDP_MALFORMED;
}

/* a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>] */
static bool rtpmap(struct span v, struct msection *m)
{
    struct words w = words_of(v);
    struct span pts, enc, name, clock;
    uint64_t pt;
    if (!word(&w, &pts) || !number(pts, 3, PT_COUNT - 1, &pt) || !word(&w, &enc) || !w.done)
        return false;
    if (m->mapped[pt])
        return false; /* two meanings for one payload type */
    m->mapped[pt] = true;
    if (!split(&enc, '/', &name) || !token(name, 64))
        return false;
    bool has_params = split(&enc, '/', &clock);
    if (!digits(clock, 10) || (has_params && !digits(enc, 3)))
        return false;
    if (m->kind == PL_SDP_AUDIO && ieq(name, "opus") && eq(clock, "48000") && has_params &&
        eq(enc, "2"))
        m->codec[pt] = PL_SDP_CODEC_OPUS;
    else if (m->kind == PL_SDP_VIDEO && ieq(name, "VP8") && eq(clock, "90000") && !has_params)
        m->codec[pt] = PL_SDP_CODEC_VP8;
    else if (m->kind == PL_SDP_VIDEO && ieq(name, "H264") && eq(clock, "90000") && !has_params)
        m->codec[pt] = PL_SDP_CODEC_H264;
    return true;
}

/* a=fmtp:<pt> <name>=<value>;...: only H.264's packetization-mode matters
 * to us (mode 1, non-interleaved, is what browsers send). */
static bool fmtp(struct span v, struct msection *m)
{
    struct span pts;
    uint64_t pt;
    if (!split(&v, ' ', &pts) || !number(pts, 3, PT_COUNT - 1, &pt))
        return false;
    struct span param;
    while (v.n > 0) {
        split(&v, ';', &param);
        while (param.n && param.p[0] == ' ') {
            param.p++;
            param.n--;
        }
        while (param.n && param.p[param.n - 1] == ' ')
            param.n--;
        if (eq(param, "packetization-mode=1"))
            m->mode1[pt] = true;
    }
    return true;
}

/* <hash> <XX:XX:...>. A sha-256 one must be exactly 32 bytes; others (a
 * browser may list several, RFC 8122) only need to be hex pairs. */
static enum pl_sdp_err fingerprint(struct span v, bool *sha256)
{
    struct words w = words_of(v);
    struct span hash, fp;
    if (!word(&w, &hash) || !token(hash, 16) || !word(&w, &fp) || !w.done)
        return PL_SDP_BAD_FINGERPRINT;
    *sha256 = ieq(hash, "sha-256");
    if ((fp.n + 1) % 3 != 0 || (*sha256 && fp.n != 32 * 3 - 1) || fp.n > 64 * 3 - 1)
        return PL_SDP_BAD_FINGERPRINT;
    for (size_t i = 0; i < fp.n; i++) {
        if (i % 3 == 2 ? fp.p[i] != ':' : !is_hex(fp.p[i]))
            return PL_SDP_BAD_FINGERPRINT;
    }
    return PL_SDP_OK;
}

/* Sets one of a level's flags, refusing a second one. */
static bool once(bool *flag)
{
    if (*flag)
        return false;
    *flag = true;
    return true;
}

/* One a= line; m is NULL at session level. */
static enum pl_sdp_err attribute(struct span v, struct offer *o, struct msection *m)
{
    struct span whole = v, name;
    bool has_value = split(&v, ':', &name);
    if (!token(name, 64))
        return PL_SDP_MALFORMED;
    struct level *lv = m ? &m->attrs : &o->attrs;
    if (eq(name, "group")) {
        struct span sem;
        if (m)
            return PL_SDP_MALFORMED;
        split(&v, ' ', &sem);
        if (!eq(sem, "BUNDLE"))
            return PL_SDP_OK; /* other semantics (LS, FID): not ours */
        /* max-bundle means one transport: a second group could only split
         * the m-lines over two. */
        if (++o->n_bundle > 1)
            return PL_SDP_NO_BUNDLE;
        o->bundle = v;
        o->bundle_line = o->at;
        return PL_SDP_OK;
    }
    if (eq(name, "mid")) {
        if (!m || m->has_mid || !token(v, PL_SDP_MID_MAX))
            return PL_SDP_MALFORMED;
        m->has_mid = true;
        m->mid = v;
        return PL_SDP_OK;
    }
    if (eq(name, "ice-ufrag") || eq(name, "ice-pwd")) {
        bool pwd = eq(name, "ice-pwd");
        if (!once(pwd ? &lv->pwd : &lv->ufrag))
            return PL_SDP_MALFORMED;
        /* RFC 8839 section 5.4: ufrag 4 to 256 ice-chars, pwd 22 to 256. */
        return ice_chars(v, pwd ? 22 : 4, 256) ? PL_SDP_OK : PL_SDP_BAD_ICE_CREDENTIALS;
    }
    if (eq(name, "fingerprint")) {
        bool sha256 = false;
        enum pl_sdp_err err = fingerprint(v, &sha256);
        if (err == PL_SDP_OK && sha256)
            lv->fingerprint = true;
        return err;
    }
    if (eq(name, "setup")) {
        if (!once(&lv->setup))
            return PL_SDP_MALFORMED;
        return eq(v, "actpass") || eq(v, "active") || eq(v, "passive") ? PL_SDP_OK
                                                                       : PL_SDP_BAD_SETUP;
    }
    static const char *const directions[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
    for (size_t i = 0; i < sizeof directions / sizeof directions[0]; i++) {
        if (eq(name, directions[i])) {
            if (has_value || !once(&lv->direction_set))
                return PL_SDP_MALFORMED;
            lv->direction = (enum pl_sdp_direction)i;
            return PL_SDP_OK;
        }
    }
    if (eq(name, "bundle-only")) {
        if (!m || has_value || !once(&m->bundle_only))
            return PL_SDP_MALFORMED;
        return PL_SDP_OK;
    }
    if (eq(name, "rtpmap") || eq(name, "fmtp")) {
        if (!m || m->kind == PL_SDP_APPLICATION)
            return PL_SDP_MALFORMED;
        return (eq(name, "rtpmap") ? rtpmap(v, m) : fmtp(v, m)) ? PL_SDP_OK : PL_SDP_MALFORMED;
    }
    if (eq(name, "candidate")) {
        /* A gathered offer carries them: libnice would parse them too. */
        if (!m)
            return PL_SDP_MALFORMED;
        return check_candidate(whole);
    }
    return PL_SDP_OK; /* extmap, ssrc, rtcp-fb, msid, ...: webrtcbin's business */
}

/* One line (without its CRLF or LF), number no. */
static enum pl_sdp_err sdp_line(struct span l, unsigned no, struct offer *o, unsigned *line)
{
    if (!text_ok(l) || l.n < 2 || l.p[1] != '=')
        FAIL(PL_SDP_MALFORMED, no);
    struct span v = {l.p + 2, l.n - 2};
    char type = l.p[0];
    o->at = no;
    if (no == 1) {
        if (type != 'v' || !eq(v, "0"))
            FAIL(PL_SDP_MALFORMED, no);
        return PL_SDP_OK;
    }
    struct msection *m = o->n_media ? &o->media[o->n_media - 1] : NULL;
    bool ok = true;
    switch (type) {
    case 'o':
        ok = !m && !o->o && origin(v);
        o->o = true;
        break;
    case 's':
        ok = !m && !o->s && v.n > 0;
        o->s = true;
        break;
    case 't':
        ok = !m && timing(v);
        o->t = true;
        break;
    case 'u':
    case 'e':
    case 'p':
    case 'r':
    case 'z':
        ok = !m; /* session-level lines nobody sends us: allowed, unused */
        break;
    case 'i':
    case 'k':
        break;
    case 'c':
        ok = connection(v);
        break;
    case 'b':
        ok = bandwidth(v);
        break;
    case 'm': {
        if (o->n_media == PL_SDP_MAX_MEDIA)
            FAIL(PL_SDP_TOO_MANY_MEDIA, no);
        m = &o->media[o->n_media++];
        m->line = no;
        enum pl_sdp_err err = media_line(v, m);
        if (err != PL_SDP_OK)
            FAIL(err, no);
        break;
    }
    case 'a': {
        enum pl_sdp_err err = attribute(v, o, m);
        if (err != PL_SDP_OK)
            FAIL(err, no);
        break;
    }
    default:
        /* RFC 4566 section 5: a description with a type letter it does not know is
         * to be ignored whole; for us that is a refusal. */
        ok = false;
    }
    if (!ok)
        FAIL(PL_SDP_MALFORMED, no);
    return PL_SDP_OK;
}

static bool in_bundle(const struct offer *o, struct span mid)
{
    struct words w = words_of(o->bundle);
    struct span tag;
    while (next_word(&w, &tag))
        if (tag.n == mid.n && memcmp(tag.p, mid.p, mid.n) == 0)
            return true;
    return false;
}

/* Every tag in the BUNDLE group names an m-line, once. */
static bool bundle_tags_ok(const struct offer *o)
{
    struct words w = words_of(o->bundle);
    struct span tag;
    int seen = 0;
    bool named[PL_SDP_MAX_MEDIA] = {false};
    while (next_word(&w, &tag)) {
        int hit = -1;
        for (int i = 0; i < o->n_media; i++)
            if (o->media[i].has_mid && o->media[i].mid.n == tag.n &&
                memcmp(o->media[i].mid.p, tag.p, tag.n) == 0)
                hit = i;
        if (hit < 0 || named[hit])
            return false;
        named[hit] = true;
        seen++;
    }
    return seen > 0;
}

/* The payload type to take from an enabled audio or video m-line, or -1. */
static int choose_pt(const struct msection *m)
{
    enum pl_sdp_codec want[3] = {PL_SDP_CODEC_OPUS, PL_SDP_CODEC_NONE, PL_SDP_CODEC_NONE};
    int n_want = 1;
    if (m->kind == PL_SDP_VIDEO) {
        want[0] = PL_SDP_CODEC_VP8;
        want[1] = want[2] = PL_SDP_CODEC_H264;
        n_want = 3;
    }
    for (int k = 0; k < n_want; k++) {
        for (int i = 0; i < m->n_order; i++) {
            int pt = m->order[i];
            /* The first H.264 round takes only packetization-mode=1. */
            if (m->codec[pt] == want[k] && (k != 1 || m->mode1[pt]))
                return pt;
        }
    }
    return -1;
}

static enum pl_sdp_err check_rules(const struct offer *o, struct pl_sdp_summary *sum,
                                   unsigned *line)
{
    if (!o->o || !o->s || !o->t)
        FAIL(PL_SDP_MALFORMED, 0);
    if (o->n_media == 0)
        FAIL(PL_SDP_NO_MEDIA, 0);
    /* Bundled m-lines are told apart by their mid alone. */
    for (int i = 0; i < o->n_media; i++) {
        const struct msection *m = &o->media[i];
        if (!m->has_mid)
            FAIL(PL_SDP_NO_BUNDLE, m->line);
        for (int j = 0; j < i; j++)
            if (o->media[j].mid.n == m->mid.n && memcmp(o->media[j].mid.p, m->mid.p, m->mid.n) == 0)
                FAIL(PL_SDP_NO_BUNDLE, m->line);
    }
    if (o->n_bundle == 0)
        FAIL(PL_SDP_NO_BUNDLE, 0);
    if (!bundle_tags_ok(o))
        FAIL(PL_SDP_NO_BUNDLE, o->bundle_line);
    const struct level *s = &o->attrs;
    for (int i = 0; i < o->n_media; i++) {
        const struct msection *m = &o->media[i];
        if (m->port_zero && !m->bundle_only)
            continue; /* turned off */
        if (!in_bundle(o, m->mid))
            FAIL(PL_SDP_NO_BUNDLE, m->line);
    }
    for (int i = 0; i < o->n_media; i++) {
        const struct level *a = &o->media[i].attrs;
        if (!(o->media[i].port_zero && !o->media[i].bundle_only) &&
            (!(a->ufrag || s->ufrag) || !(a->pwd || s->pwd)))
            FAIL(PL_SDP_MISSING_ICE_CREDENTIALS, o->media[i].line);
    }
    for (int i = 0; i < o->n_media; i++) {
        const struct level *a = &o->media[i].attrs;
        if (!(o->media[i].port_zero && !o->media[i].bundle_only) &&
            !(a->fingerprint || s->fingerprint))
            FAIL(PL_SDP_MISSING_FINGERPRINT, o->media[i].line);
    }
    for (int i = 0; i < o->n_media; i++) {
        const struct level *a = &o->media[i].attrs;
        if (!(o->media[i].port_zero && !o->media[i].bundle_only) && !(a->setup || s->setup))
            FAIL(PL_SDP_MISSING_SETUP, o->media[i].line);
    }
    sum->n_media = o->n_media;
    sum->audio_index = sum->video_index = -1;
    for (int i = 0; i < o->n_media; i++) {
        const struct msection *m = &o->media[i];
        struct pl_sdp_media *out = &sum->media[i];
        out->kind = m->kind;
        memcpy(out->mid, m->mid.p, m->mid.n);
        out->mid[m->mid.n] = '\0';
        out->disabled = m->port_zero && !m->bundle_only;
        out->direction = m->attrs.direction_set ? m->attrs.direction
                         : s->direction_set     ? s->direction
                                                : PL_SDP_SENDRECV;
        out->pt = -1;
        out->codec = PL_SDP_CODEC_NONE;
        if (m->kind == PL_SDP_APPLICATION) {
            sum->data_channel = true;
            continue;
        }
        if (out->disabled)
            continue;
        out->pt = choose_pt(m);
        if (out->pt < 0)
            FAIL(PL_SDP_UNSUPPORTED_CODEC, m->line);
        out->codec = m->codec[out->pt];
        int *first = m->kind == PL_SDP_AUDIO ? &sum->audio_index : &sum->video_index;
        if (*first < 0)
            *first = i;
    }
    if (sum->audio_index < 0)
        FAIL(PL_SDP_NO_AUDIO, 0);
    return PL_SDP_OK;
}

static enum pl_sdp_err check_offer(const char *sdp, size_t len, struct offer *o,
                                   struct pl_sdp_summary *sum, unsigned *line)
{
    if (len > PL_SDP_MAX_LEN)
        FAIL(PL_SDP_TOO_LARGE, 0);
    if (len == 0 || !sdp)
        FAIL(PL_SDP_MALFORMED, 0);
    size_t pos = 0;
    unsigned no = 0;
    while (pos < len) {
        const char *start = sdp + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        /* CRLF as the RFC says, LF as many stacks write; a CR anywhere
         * else is a control character and refused. */
        if (nl && n > 0 && start[n - 1] == '\r')
            n--;
        enum pl_sdp_err err = sdp_line((struct span){start, n}, ++no, o, line);
        if (err != PL_SDP_OK)
            return err;
    }
    return check_rules(o, sum, line);
}

enum pl_sdp_err pl_sdp_check_offer(const char *sdp, size_t len, struct pl_sdp_summary *out)
{
    struct offer o;
    struct pl_sdp_summary sum;
    unsigned line = 0;
    memset(&o, 0, sizeof o);
    memset(&sum, 0, sizeof sum);
    enum pl_sdp_err err = check_offer(sdp, len, &o, &sum, &line);
    if (out) {
        if (err == PL_SDP_OK) {
            *out = sum;
        } else {
            memset(out, 0, sizeof *out);
            out->line = line;
        }
    }
    return err;
}

const char *pl_sdp_err_code(enum pl_sdp_err err)
{
    static const char *const codes[PL_SDP__COUNT] = {
        [PL_SDP_OK] = "ok",
        [PL_SDP_TOO_LARGE] = "too_large",
        [PL_SDP_MALFORMED] = "malformed_sdp",
        [PL_SDP_NO_MEDIA] = "no_media",
        [PL_SDP_TOO_MANY_MEDIA] = "too_many_media",
        [PL_SDP_UNSUPPORTED_MEDIA] = "unsupported_media",
        [PL_SDP_NO_BUNDLE] = "no_bundle",
        [PL_SDP_MISSING_ICE_CREDENTIALS] = "missing_ice_credentials",
        [PL_SDP_BAD_ICE_CREDENTIALS] = "bad_ice_credentials",
        [PL_SDP_MISSING_FINGERPRINT] = "missing_fingerprint",
        [PL_SDP_BAD_FINGERPRINT] = "bad_fingerprint",
        [PL_SDP_MISSING_SETUP] = "missing_setup",
        [PL_SDP_BAD_SETUP] = "bad_setup",
        [PL_SDP_UNSUPPORTED_CODEC] = "unsupported_codec",
        [PL_SDP_NO_AUDIO] = "no_audio",
        [PL_SDP_BAD_CANDIDATE] = "bad_candidate",
        [PL_SDP_BAD_MLINE_INDEX] = "bad_mline_index",
        [PL_SDP_BAD_MID] = "bad_mid",
        [PL_SDP_FORBIDDEN_ADDRESS] = "forbidden_address",
    };
    if ((unsigned)err >= PL_SDP__COUNT || !codes[err])
        return "unknown";
    return codes[err];
}

const char *pl_sdp_codec_name(enum pl_sdp_codec codec)
{
    switch (codec) {
    case PL_SDP_CODEC_OPUS:
        return "opus";
    case PL_SDP_CODEC_VP8:
        return "VP8";
    case PL_SDP_CODEC_H264:
        return "H264";
    default:
        return "";
    }
}
