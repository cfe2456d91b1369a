/*
 * Routes a decoded request to its handler. Every message, valid or not, gets
 * exactly one reply: the handler's, or an error naming the stable code.
 */
#include "proto.h"

#include "log.h"

static json_t *whoami(const struct pl_client_view *client)
{
    const struct pl_identity *who = client->who;
    if (!who)
        return json_pack("{s:n, s:s}", "person", "role", "observer");
    return json_pack("{s:{s:I, s:s, s:s, s:b}, s:s}", "person", "id", (json_int_t)who->person_id,
                     "login", who->login, "display_name", who->display_name, "is_admin",
                     who->is_admin, "role", who->is_admin ? "admin" : "person");
}

enum pl_err pl_proto_allowed(const struct pl_client_view *client, enum pl_need need)
{
    switch (need) {
    case PL_NEED_NONE:
        return PL_OK;
    case PL_NEED_PERSON:
        return client->who ? PL_OK : PL_ERR_UNAUTHENTICATED;
    case PL_NEED_ADMIN:
        if (!client->who)
            return PL_ERR_UNAUTHENTICATED;
        return client->who->is_admin ? PL_OK : PL_ERR_FORBIDDEN;
    }
    return PL_ERR_FORBIDDEN;
}

char *pl_proto_dispatch(const struct pl_client_view *client, const char *buf, size_t len)
{
    enum pl_lang lang = client->lang;
    struct pl_request req;
    char field[64];
    char *reply = NULL;

    enum pl_err err = pl_proto_decode(buf, len, &req, field, sizeof field);
    if (err != PL_OK) {
        pl_log_debug("refused client message: %s%s%s", pl_err_code(err), *field ? " field " : "",
                     field);
        reply = pl_proto_encode_error(req.id, err, field, lang);
        goto done;
    }
    err = pl_proto_allowed(client, req.need);
    if (err != PL_OK) {
        reply = pl_proto_encode_error(req.id, err, NULL, lang);
        goto done;
    }
    switch (req.type) {
    case PL_REQ_PING:
        reply = pl_proto_encode_pong(req.id);
        break;
    case PL_REQ_WHOAMI:
        reply = pl_proto_encode_ok(req.id, whoami(client));
        break;
    case PL_REQ_JOIN:
    case PL_REQ_RESUME:
    case PL_REQ_LEAVE:
    case PL_REQ_SESSION_CMD:
    case PL_REQ_BALLOT:
    case PL_REQ_RTC:
    case PL_REQ_MEETING:
        /* Handled by the hub; alone, the protocol layer has no session. */
        reply = pl_proto_encode_error(req.id, PL_ERR_NOT_JOINED, NULL, lang);
        break;
    case PL_REQ__COUNT:
        reply = pl_proto_encode_error(req.id, PL_ERR_INTERNAL, NULL, lang);
        break;
    }
done:
    if (!reply)
        pl_log_error("could not encode reply: out of memory");
    pl_request_clear(&req);
    return reply;
}
