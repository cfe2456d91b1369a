/* Unit tests for server/signin/password.c (scrypt). Low cost to keep them fast. */
#include "check.h"
#include "password.h"

int main(void)
{
    char a[PL_PASSWORD_ENCODED_MAX], b[PL_PASSWORD_ENCODED_MAX];
    CHECK(pl_password_hash("mật khẩu đúng", 10, a, sizeof a) == 0);
    CHECK(strncmp(a, "$scrypt$ln=10,r=8,p=1$", 22) == 0);
    CHECK(pl_password_verify("mật khẩu đúng", a) == 1);
    CHECK(pl_password_verify("mật khẩu sai", a) == 0);
    CHECK(pl_password_verify("", a) == 0);
    /* A fresh salt each time: same password, different encodings. */
    CHECK(pl_password_hash("mật khẩu đúng", 10, b, sizeof b) == 0);
    CHECK(strcmp(a, b) != 0);
    CHECK(pl_password_verify("mật khẩu đúng", b) == 1);
    /* Out-of-range cost and short buffers are refused. */
    CHECK(pl_password_hash("x", 9, a, sizeof a) == -1);
    CHECK(pl_password_hash("x", 21, a, sizeof a) == -1);
    CHECK(pl_password_hash("x", 10, a, 20) == -1);
    /* Malformed encodings are errors, not mismatches. */
    const char *bad[] = {"",
                         "plain",
                         "$scrypt$",
                         "$scrypt$ln=10,r=8,p=1$",
                         "$scrypt$ln=10,r=8,p=1$AAAA",
                         "$scrypt$ln=99,r=8,p=1$AAAAAAAAAAA=$AAAA",
                         "$scrypt$ln=10,r=8,p=1$!!!!$!!!!",
                         "$bcrypt$2b$10$abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(pl_password_verify("x", bad[i]) == -1);
    return check_report("test_password");
}
