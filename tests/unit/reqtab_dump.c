/*
 * Prints the WebSocket request table (server/proto/requests.def, as compiled into
 * proto_decode.c) as JSON on stdout: for each request its type, kind, need,
 * who, idempotency and fields. tools/gen_asyncapi.py reads it to write the
 * requests of docs/asyncapi.yaml and the request table of docs/protocol.md,
 * so the documentation is made from the table the server decodes with.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "proto.h"

static const char *const kind_names[PL_REQ__COUNT] = {
    [PL_REQ_PING] = "ping",       [PL_REQ_WHOAMI] = "whoami",
    [PL_REQ_JOIN] = "join",       [PL_REQ_RESUME] = "resume",
    [PL_REQ_LEAVE] = "leave",     [PL_REQ_SESSION_CMD] = "session_command",
    [PL_REQ_BALLOT] = "ballot",   [PL_REQ_RTC] = "rtc",
    [PL_REQ_MEETING] = "meeting",
};
static const char *const need_names[] = {
    [PL_NEED_NONE] = "none", [PL_NEED_PERSON] = "person", [PL_NEED_ADMIN] = "admin"};
static const char *const idem_names[] = {
    [PL_IDEM_NONE] = "none", [PL_IDEM_KEY] = "key", [PL_IDEM_BALLOT] = "ballot"};
static const char *const ftype_names[] = {
    [PL_F_STRING] = "string", [PL_F_INT] = "integer", [PL_F_BOOL] = "boolean",
    [PL_F_OBJECT] = "object", [PL_F_ARRAY] = "array", [PL_F_CHOICE] = "choice"};

int main(void)
{
    json_t *all = json_array();
    for (int i = PL_RQ_UNKNOWN + 1; i < PL_RQ__COUNT; i++) {
        const struct pl_req_spec *s = pl_proto_spec((enum pl_rq)i);
        json_t *fields = json_array();
        for (const struct pl_field *f = s->fields; f->name; f++) {
            json_t *o = json_pack("{s:s, s:s, s:b}", "name", f->name, "type", ftype_names[f->type],
                                  "required", f->required);
            if (f->type == PL_F_STRING || f->type == PL_F_ARRAY)
                json_object_set_new(o, "max", json_integer((json_int_t)f->max_len));
            json_array_append_new(fields, o);
        }
        json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "type", s->type,
                                             "kind", kind_names[s->kind], "need",
                                             need_names[s->need], "who", pl_who_name(s->who),
                                             "idem", idem_names[s->idem], "fields", fields));
    }
    int rc = json_dumpf(all, stdout, JSON_INDENT(1)) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    putchar('\n');
    json_decref(all);
    return rc;
}
