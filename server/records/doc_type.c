/*
 * Content sniffing for session documents. Office files are ZIP archives
 * (OOXML, OpenDocument) or OLE2 compound files; a ZIP is told apart by the
 * names in its central directory (found from the end-of-central-directory
 * record in the file's tail) or, for OpenDocument, by its first entry
 * "mimetype" stored uncompressed at the start, as the standard requires.
 */
#include "doc_type.h"

#include <string.h>
#include <strings.h>

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int starts(const unsigned char *buf, size_t len, const char *magic, size_t n)
{
    return len >= n && memcmp(buf, magic, n) == 0;
}

/* OpenDocument: "mimetype" first, stored, then its content. */
static enum pl_doc_type odf(const unsigned char *head, size_t len)
{
    static const char prefix[] = "application/vnd.oasis.opendocument.";
    if (len < 38 || le16(head + 26) != 8 || memcmp(head + 30, "mimetype", 8) != 0)
        return PL_DOC_UNKNOWN;
    size_t at = 30 + 8 + le16(head + 28);
    size_t n = sizeof prefix - 1;
    if (at > len || len - at < n + 4 || memcmp(head + at, prefix, n) != 0)
        return PL_DOC_UNKNOWN;
    const unsigned char *kind = head + at + n;
    size_t rest = len - at - n;
    if (rest >= 4 && memcmp(kind, "text", 4) == 0 && (rest == 4 || kind[4] != '-'))
        return PL_DOC_ODT;
    if (rest >= 11 && memcmp(kind, "spreadsheet", 11) == 0)
        return PL_DOC_ODS;
    if (rest >= 12 && memcmp(kind, "presentation", 12) == 0)
        return PL_DOC_ODP;
    return PL_DOC_UNKNOWN;
}

/* OOXML: "[Content_Types].xml" and the main part's folder in the central
 * directory. Only the entries inside tail are read. */
static enum pl_doc_type ooxml(const unsigned char *tail, size_t len, uint64_t size)
{
    /* The end record is 22 bytes plus a comment of up to 65535. */
    if (len < 22)
        return PL_DOC_UNKNOWN;
    size_t eocd = len - 22;
    for (;;) {
        if (le32(tail + eocd) == 0x06054b50u && eocd + 22 + le16(tail + eocd + 20) == len)
            break;
        if (eocd == 0 || len - eocd > 22 + 65535)
            return PL_DOC_UNKNOWN;
        eocd--;
    }
    uint64_t cd_size = le32(tail + eocd + 12), cd_off = le32(tail + eocd + 16);
    uint64_t tail_start = size - len; /* file offset of tail[0] */
    if (cd_off + cd_size > size || cd_off < tail_start || cd_off - tail_start > eocd)
        return PL_DOC_UNKNOWN;
    size_t p = (size_t)(cd_off - tail_start);
    int types = 0;
    enum pl_doc_type main_part = PL_DOC_UNKNOWN;
    while (p + 46 <= eocd && le32(tail + p) == 0x02014b50u) {
        size_t name_len = le16(tail + p + 28);
        size_t next = p + 46 + name_len + le16(tail + p + 30) + le16(tail + p + 32);
        if (p + 46 + name_len > eocd)
            break;
        const char *name = (const char *)tail + p + 46;
        if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
            types = 1;
        else if (name_len > 5 && memcmp(name, "word/", 5) == 0)
            main_part = PL_DOC_DOCX;
        else if (name_len > 3 && memcmp(name, "xl/", 3) == 0)
            main_part = PL_DOC_XLSX;
        else if (name_len > 4 && memcmp(name, "ppt/", 4) == 0)
            main_part = PL_DOC_PPTX;
        p = next;
    }
    return types ? main_part : PL_DOC_UNKNOWN;
}

/* UTF-8 (RFC 3629: no overlongs, no surrogates) without control characters
 * other than tab, CR, LF and form feed. A sequence cut by the end of buf is
 * accepted (buf may be a window into a larger file). */
static int plain_text(const unsigned char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        unsigned c = buf[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
                return 0;
            if (c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t n;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, min = 0x10000;
        else
            return 0;
        unsigned cp = c & (0x3Fu >> n);
        size_t k = 1;
        for (; k <= n && i + k < len; k++) {
            if ((buf[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (buf[i + k] & 0x3F);
        }
        if (k <= n) /* cut short by the window */
            return i + k == len;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* The start of a window that may begin inside a UTF-8 sequence. */
static size_t skip_continuation(const unsigned char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && i < 3 && (buf[i] & 0xC0) == 0x80)
        i++;
    return i;
}

enum pl_doc_type pl_doc_sniff(const unsigned char *head, size_t head_len, const unsigned char *tail,
                              size_t tail_len, uint64_t size)
{
    if (size == 0 || head_len == 0)
        return PL_DOC_UNKNOWN;
    if (starts(head, head_len, "%PDF-", 5))
        return PL_DOC_PDF;
    if (starts(head, head_len, "\x89PNG\r\n\x1a\n", 8))
        return PL_DOC_PNG;
    if (starts(head, head_len, "\xFF\xD8\xFF", 3))
        return PL_DOC_JPEG;
    if (starts(head, head_len, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return PL_DOC_OLE2;
    if (starts(head, head_len, "PK\x03\x04", 4)) {
        enum pl_doc_type t = odf(head, head_len);
        return t != PL_DOC_UNKNOWN ? t : ooxml(tail, tail_len, size);
    }
    if (plain_text(head, head_len) && (tail_len == 0 || tail_len >= size ||
                                       plain_text(tail + skip_continuation(tail, tail_len),
                                                  tail_len - skip_continuation(tail, tail_len))))
        return PL_DOC_TEXT;
    return PL_DOC_UNKNOWN;
}

static const struct {
    const char *ext;
    enum pl_doc_type type;
} exts[] = {
    {"pdf", PL_DOC_PDF},   {"docx", PL_DOC_DOCX}, {"xlsx", PL_DOC_XLSX}, {"pptx", PL_DOC_PPTX},
    {"odt", PL_DOC_ODT},   {"ods", PL_DOC_ODS},   {"odp", PL_DOC_ODP},   {"doc", PL_DOC_OLE2},
    {"xls", PL_DOC_OLE2},  {"ppt", PL_DOC_OLE2},  {"png", PL_DOC_PNG},   {"jpg", PL_DOC_JPEG},
    {"jpeg", PL_DOC_JPEG}, {"txt", PL_DOC_TEXT},
};

enum pl_doc_type pl_doc_claimed(const char *file_name)
{
    const char *dot = file_name ? strrchr(file_name, '.') : NULL;
    if (!dot || dot == file_name)
        return PL_DOC_UNKNOWN;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot + 1, exts[i].ext) == 0)
            return exts[i].type;
    return PL_DOC_UNKNOWN;
}

int pl_doc_agrees(enum pl_doc_type claimed, enum pl_doc_type found)
{
    return claimed != PL_DOC_UNKNOWN && claimed == found;
}

const char *pl_doc_media_type(enum pl_doc_type t, const char *file_name)
{
    const char *dot = file_name ? strrchr(file_name, '.') : NULL;
    switch (t) {
    case PL_DOC_PDF:
        return "application/pdf";
    case PL_DOC_DOCX:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    case PL_DOC_XLSX:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case PL_DOC_PPTX:
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    case PL_DOC_ODT:
        return "application/vnd.oasis.opendocument.text";
    case PL_DOC_ODS:
        return "application/vnd.oasis.opendocument.spreadsheet";
    case PL_DOC_ODP:
        return "application/vnd.oasis.opendocument.presentation";
    case PL_DOC_OLE2:
        if (dot && strcasecmp(dot, ".xls") == 0)
            return "application/vnd.ms-excel";
        if (dot && strcasecmp(dot, ".ppt") == 0)
            return "application/vnd.ms-powerpoint";
        return "application/msword";
    case PL_DOC_PNG:
        return "image/png";
    case PL_DOC_JPEG:
        return "image/jpeg";
    case PL_DOC_TEXT:
        return "text/plain; charset=utf-8";
    default:
        return "application/octet-stream";
    }
}
