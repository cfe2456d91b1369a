/*
 * Who is behind a connection or request, as the protocol and domain layers
 * see it. NULL where a pointer to it is expected means an anonymous public
 * observer. Strings are owned by the struct (pl_identity_clear frees them).
 */
#ifndef PL_IDENTITY_H
#define PL_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

struct pl_identity {
    int64_t person_id;
    int64_t signin_id; /* the sign-in (auth_session row) */
    char *login;
    char *display_name;
    bool is_admin;
    /* Holds a records-keeping role (chair, vice-chair, secretary, staff) in
     * some council, as of sign-in: lets the transport refuse an upload at
     * its headers. The database still decides per council. */
    bool is_staff;
};

void pl_identity_copy(struct pl_identity *dst, const struct pl_identity *src);
void pl_identity_clear(struct pl_identity *who);

#endif
