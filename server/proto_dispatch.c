/*
 * Routes a decoded request to its handler. Every message, valid or not, gets
 * exactly one reply: the handler's, or an error naming the stable code.
 */
#include "proto.h"

#include "log.h"

char *pl_proto_dispatch(const char *buf, size_t len, enum pl_lang lang)
{
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
    switch (req.type) {
    case PL_REQ_PING:
        reply = pl_proto_encode_pong(req.id);
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
