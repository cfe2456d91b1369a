/*
 * Table-driven checks of the records API's bodies. Lengths are counted in
 * characters (a Vietnamese name is mostly multi-byte), after trimming: a
 * field of spaces is missing, not filled.
 */
#include "records_input.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* K_CONTACT: a K_TEXT that is a Vietnamese phone number or an e-mail
 * address (pl_rec_contact_ok). */
enum kind { K_TEXT, K_ID, K_DATE, K_ENUM, K_SLUG, K_CONTACT };

struct rule {
    const char *name;
    enum kind kind;
    bool required;
    long min, max;             /* characters for K_TEXT */
    const char *const *values; /* K_ENUM, NULL-terminated */
};

static const char *const areas[] = {"land",    "construction",   "transport", "environment",
                                    "health",  "education",      "social",    "security",
                                    "economy", "administration", "other",     NULL};
static const char *const sources[] = {"staff", "meeting", NULL};
static const char *const actions[] = {"assign",   "answer", "publish", "close",
                                      "classify", "merge",  NULL};
static const char *const kinds[] = {"draft", "report", "resolution", "other", NULL};
static const char *const visibilities[] = {"delegates", "public", NULL};

#define END                                                                                        \
    {                                                                                              \
        NULL, K_TEXT, false, 0, 0, NULL                                                            \
    }

static const struct rule petition_public[] = {
    {"council", K_SLUG, true, 0, 0, NULL},      {"name", K_TEXT, true, 1, 200, NULL},
    {"contact", K_CONTACT, true, 3, 200, NULL}, {"content", K_TEXT, true, 10, 5000, NULL},
    {"area", K_ENUM, true, 0, 0, areas},        {"locality", K_TEXT, true, 1, 200, NULL},
    {"meeting", K_TEXT, false, 0, 200, NULL},   END,
};

/* A citizen in a voter meeting: the name is the one they signed in with,
 * the contact their phone unless they give another. */
static const struct rule petition_meeting[] = {
    {"content", K_TEXT, true, 10, 5000, NULL},
    {"area", K_ENUM, false, 0, 0, areas},
    {"locality", K_TEXT, false, 1, 200, NULL},
    {"contact", K_CONTACT, false, 3, 200, NULL},
    END,
};

static const struct rule petition_staff[] = {
    {"council_id", K_ID, true, 0, 0, NULL},      {"source", K_ENUM, false, 0, 0, sources},
    {"received_on", K_DATE, false, 0, 0, NULL},  {"name", K_TEXT, true, 1, 200, NULL},
    {"contact", K_CONTACT, false, 3, 200, NULL}, {"content", K_TEXT, true, 10, 5000, NULL},
    {"area", K_ENUM, true, 0, 0, areas},         {"locality", K_TEXT, true, 1, 200, NULL},
    {"meeting", K_TEXT, false, 0, 200, NULL},    END,
};

/* The action's own fields are checked after these, by action. */
static const struct rule petition_action[] = {
    {"id", K_ID, true, 0, 0, NULL},
    {"action", K_ENUM, true, 0, 0, actions},
    {"agency", K_TEXT, false, 1, 200, NULL},
    {"due_on", K_DATE, false, 0, 0, NULL},
    {"answer", K_TEXT, false, 1, 10000, NULL},
    {"note", K_TEXT, false, 0, 2000, NULL},
    {"area", K_ENUM, false, 0, 0, areas},
    {"locality", K_TEXT, false, 1, 200, NULL},
    {"into", K_ID, false, 0, 0, NULL},
    END,
};

static const struct rule minutes_notes[] = {
    {"session_id", K_ID, true, 0, 0, NULL},
    {"notes", K_TEXT, true, 0, 20000, NULL},
    END,
};

static const struct rule minutes_session[] = {
    {"session_id", K_ID, true, 0, 0, NULL},
    END,
};

static const struct rule document[] = {
    {"session_id", K_ID, false, 0, 0, NULL},
    {"agenda_item_id", K_ID, false, 0, 0, NULL},
    {"title", K_TEXT, false, 1, 300, NULL},
    {"kind", K_ENUM, false, 0, 0, kinds},
    {"visibility", K_ENUM, false, 0, 0, visibilities},
    {"replaces", K_ID, false, 0, 0, NULL},
    END,
};

int pl_rec_date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    return y >= 1900 && y <= 2999 && g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

static bool slug_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 63 || !(g_ascii_islower(s[0]) || g_ascii_isdigit(s[0])))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(g_ascii_islower(s[i]) || g_ascii_isdigit(s[i]) || s[i] == '-'))
            return false;
    return true;
}

/* A positive id, as a JSON integer or (form fields) decimal text. */
static bool id_ok(const json_t *v, bool text)
{
    if (!text)
        return json_is_integer(v) && json_integer_value(v) > 0;
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 18)
        return false;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isdigit(*p))
            return false;
    return g_ascii_strtoll(s, NULL, 10) > 0;
}

/* Phone numbers as people write them: spaces, dots and hyphens between
 * digits are kept out of the count. A Vietnamese number is 0 and 9 digits
 * (10 for a landline), or +84 (or 84) and the same digits without the 0. */
int pl_rec_phone_ok(const char *s)
{
    char digits[32];
    size_t n = 0;
    const char *p = s;
    while (*p == ' ')
        p++;
    bool plus = *p == '+';
    if (plus)
        p++;
    for (; *p; p++) {
        if (g_ascii_isdigit(*p)) {
            if (n + 1 >= sizeof digits)
                return 0;
            digits[n++] = *p;
        } else if (!(*p == ' ' || *p == '.' || *p == '-') || n == 0) {
            return 0; /* a letter, or a separator before any digit */
        }
    }
    digits[n] = 0;
    /* The national number after 0 or 84: 9 digits (mobiles), or 10 for a
     * landline (its area code starts with 2: 024 3825 3456). */
    const char *national = NULL;
    if (!plus && digits[0] == '0')
        national = digits + 1;
    else if (strncmp(digits, "84", 2) == 0)
        national = digits + 2;
    if (!national || national[0] == '0' || national[0] == 0)
        return 0;
    size_t len = strlen(national);
    return len == 9 || (len == 10 && national[0] == '2');
}

/* An address mail can be sent to: one @, a local part of printable ASCII
 * without spaces, and a domain of at least two dot-separated labels of
 * letters, digits and hyphens (not at a label's ends). Deliberately not
 * the whole of RFC 5322: what a citizen types, not what a parser could
 * accept. */
int pl_rec_email_ok(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
        return 0;
    for (const char *p = s; p < at; p++)
        if (!g_ascii_isgraph(*p) || strchr("()<>[]\\,;:\"", *p))
            return 0;
    if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
        return 0;
    const char *d = at + 1;
    size_t len = strlen(d);
    if (len < 3 || len > 190)
        return 0;
    int labels = 0;
    for (const char *label = d;;) {
        const char *end = strchr(label, '.');
        size_t n = end ? (size_t)(end - label) : strlen(label);
        if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
            return 0;
        for (size_t i = 0; i < n; i++)
            if (!(g_ascii_isalnum(label[i]) || label[i] == '-'))
                return 0;
        labels++;
        if (!end)
            break;
        label = end + 1;
    }
    return labels >= 2;
}

/* "missing_field", "bad_field", "too_long", "bad_phone", "bad_email" or
 * NULL (fine). */
static const char *check_value(const struct rule *r, const json_t *v, bool text)
{
    if (r->kind == K_ID)
        return id_ok(v, text) ? NULL : "bad_field";
    if (!json_is_string(v))
        return "bad_field";
    const char *s = json_string_value(v);
    if (!g_utf8_validate(s, (gssize)json_string_length(v), NULL) ||
        strlen(s) != json_string_length(v))
        return "bad_field";
    switch (r->kind) {
    case K_TEXT:
    case K_CONTACT: {
        char *t = g_strstrip(g_strdup(s));
        long n = (long)g_utf8_strlen(t, -1);
        const char *err = NULL;
        if (n == 0 && r->min > 0)
            err = "missing_field";
        else if (n > r->max)
            err = "too_long"; /* refused, never cut: the page says the limit */
        else if (r->kind == K_CONTACT)
            err = strchr(t, '@') ? (pl_rec_email_ok(t) ? NULL : "bad_email")
                                 : (pl_rec_phone_ok(t) ? NULL : "bad_phone");
        else if (n < r->min)
            err = "bad_field";
        g_free(t);
        return err;
    }
    case K_DATE:
        return pl_rec_date_ok(s) ? NULL : "bad_field";
    case K_SLUG:
        return slug_ok(s) ? NULL : "bad_field";
    case K_ENUM:
        for (const char *const *e = r->values; *e; e++)
            if (strcmp(*e, s) == 0)
                return NULL;
        return "bad_field";
    default:
        return "bad_field";
    }
}

static void add(json_t *out, const char *field, const char *error)
{
    json_array_append_new(out, json_pack("{s:s, s:s}", "field", field, "error", error));
}

/* The fields an action needs (and allows). */
static void check_action(const json_t *doc, json_t *out)
{
    static const struct {
        const char *action;
        const char *need[2];
        const char *allow[2];
    } steps[] = {
        {"assign", {"agency", "due_on"}, {NULL, NULL}},
        {"answer", {"answer", NULL}, {NULL, NULL}},
        {"publish", {NULL, NULL}, {"note", NULL}},
        {"close", {NULL, NULL}, {"note", NULL}},
        {"classify", {NULL, NULL}, {"area", "locality"}},
        {"merge", {"into", NULL}, {NULL, NULL}},
    };
    const char *action = json_string_value(json_object_get(doc, "action"));
    for (size_t i = 0; action && i < G_N_ELEMENTS(steps); i++) {
        if (strcmp(steps[i].action, action) != 0)
            continue;
        for (int k = 0; k < 2; k++)
            if (steps[i].need[k] && !json_object_get(doc, steps[i].need[k]))
                add(out, steps[i].need[k], "missing_field");
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)doc, key, v)
        {
            if (strcmp(key, "id") == 0 || strcmp(key, "action") == 0)
                continue;
            bool ok = false;
            for (int k = 0; k < 2; k++)
                ok |= (steps[i].need[k] && strcmp(key, steps[i].need[k]) == 0) ||
                      (steps[i].allow[k] && strcmp(key, steps[i].allow[k]) == 0);
            if (!ok)
                add(out, key, "unknown_field");
        }
        if (strcmp(action, "classify") == 0 && !json_object_get(doc, "area") &&
            !json_object_get(doc, "locality"))
            add(out, "area", "missing_field");
    }
}

json_t *pl_rec_check(enum pl_rec_body body, const json_t *doc)
{
    const struct rule *rules = NULL;
    switch (body) {
    case PL_REC_PETITION_PUBLIC:
        rules = petition_public;
        break;
    case PL_REC_PETITION_STAFF:
        rules = petition_staff;
        break;
    case PL_REC_PETITION_ACTION:
        rules = petition_action;
        break;
    case PL_REC_MINUTES_NOTES:
        rules = minutes_notes;
        break;
    case PL_REC_MINUTES_SESSION:
        rules = minutes_session;
        break;
    case PL_REC_DOCUMENT:
        rules = document;
        break;
    case PL_REC_PETITION_MEETING:
        rules = petition_meeting;
        break;
    }
    json_t *out = json_array();
    if (!json_is_object(doc)) {
        add(out, "", "not_object");
        return out;
    }
    bool text = body == PL_REC_DOCUMENT;
    for (const struct rule *r = rules; r->name; r++) {
        const json_t *v = json_object_get(doc, r->name);
        /* An optional field sent empty is as good as absent. */
        if (!v || json_is_null(v) ||
            (!r->required && json_is_string(v) && !*json_string_value(v))) {
            if (r->required)
                add(out, r->name, "missing_field");
            continue;
        }
        const char *err = check_value(r, v, text);
        if (err && strcmp(err, "too_long") == 0)
            json_array_append_new(out, json_pack("{s:s, s:s, s:i}", "field", r->name, "error", err,
                                                 "max", (int)r->max));
        else if (err)
            add(out, r->name, err);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)doc, key, v)
    {
        bool known = false;
        for (const struct rule *r = rules; r->name && !known; r++)
            known = strcmp(r->name, key) == 0;
        if (!known)
            add(out, key, "unknown_field");
    }
    if (body == PL_REC_PETITION_ACTION && json_array_size(out) == 0)
        check_action(doc, out);
    if (body == PL_REC_DOCUMENT && json_array_size(out) == 0 && !json_object_get(doc, "replaces")) {
        if (!json_object_get(doc, "session_id"))
            add(out, "session_id", "missing_field");
        const json_t *title = json_object_get(doc, "title");
        if (!title || !*json_string_value(title))
            add(out, "title", "missing_field");
    }
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}
