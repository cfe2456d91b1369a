/* Unit tests of the records' pure parts: what a document is by its content,
 * the checks of petitions and workflow steps (every field listed), and the
 * minutes' HTML and CSV (escaped, Vietnamese, no spreadsheet formulas). */
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "check.h"
#include "doc_type.h"
#include "minutes_render.h"
#include "records_input.h"

static enum pl_doc_type sniff(const char *bytes, size_t n)
{
    return pl_doc_sniff((const unsigned char *)bytes, n, (const unsigned char *)bytes, n, n);
}

static void test_doc_type(void)
{
    CHECK(sniff("%PDF-1.7\n...", 12) == PL_DOC_PDF);
    CHECK(sniff("\x89PNG\r\n\x1a\n....", 12) == PL_DOC_PNG);
    CHECK(sniff("\xFF\xD8\xFF\xE0..", 6) == PL_DOC_JPEG);
    CHECK(sniff("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1..", 10) == PL_DOC_OLE2);
    const char *vi = "Tờ trình về dự toán ngân sách\r\n";
    CHECK(sniff(vi, strlen(vi)) == PL_DOC_TEXT);
    CHECK(sniff("MZ\x90\x00\x03", 5) == PL_DOC_UNKNOWN); /* a program */
    CHECK(sniff("abc\x01"
                "def",
                7) == PL_DOC_UNKNOWN);                 /* a control character */
    CHECK(sniff("abc\xC3(", 5) == PL_DOC_UNKNOWN);     /* broken UTF-8 */
    CHECK(sniff("\xC0\xAF", 2) == PL_DOC_UNKNOWN);     /* an overlong */
    CHECK(sniff("\xED\xA0\x80", 3) == PL_DOC_UNKNOWN); /* a surrogate */
    CHECK(sniff("PK\x03\x04 not a real zip", 20) == PL_DOC_UNKNOWN);
    CHECK(pl_doc_sniff(NULL, 0, NULL, 0, 0) == PL_DOC_UNKNOWN);

    CHECK(pl_doc_claimed("Tờ trình.PDF") == PL_DOC_PDF);
    CHECK(pl_doc_claimed("bang.xls") == PL_DOC_OLE2);
    CHECK(pl_doc_claimed("anh.jpeg") == PL_DOC_JPEG);
    CHECK(pl_doc_claimed("chuong-trinh.exe") == PL_DOC_UNKNOWN);
    CHECK(pl_doc_claimed("khong-duoi") == PL_DOC_UNKNOWN);
    CHECK(pl_doc_claimed(".pdf") == PL_DOC_UNKNOWN);
    CHECK(pl_doc_agrees(PL_DOC_PDF, PL_DOC_PDF));
    CHECK(!pl_doc_agrees(PL_DOC_DOCX, PL_DOC_PDF));
    CHECK(!pl_doc_agrees(PL_DOC_UNKNOWN, PL_DOC_UNKNOWN));
    CHECK_STR(pl_doc_media_type(PL_DOC_OLE2, "a.xls"), "application/vnd.ms-excel");
    CHECK_STR(pl_doc_media_type(PL_DOC_OLE2, "a.doc"), "application/msword");
    CHECK_STR(pl_doc_media_type(PL_DOC_PDF, "a.pdf"), "application/pdf");
}

/* "field:error,field:error" of a check's answer ("" when accepted). */
static char *problems(enum pl_rec_body body, const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    json_t *p = pl_rec_check(body, doc);
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *x;
    json_array_foreach(p, i, x)
    {
        g_string_append_printf(out, "%s%s:%s", i ? "," : "",
                               json_string_value(json_object_get(x, "field")),
                               json_string_value(json_object_get(x, "error")));
    }
    json_decref(p);
    json_decref(doc);
    return g_string_free(out, FALSE);
}

#define CHECK_PROBLEMS(body, text, want)                                                           \
    do {                                                                                           \
        char *got_ = problems(body, text);                                                         \
        CHECK_STR(got_, want);                                                                     \
        g_free(got_);                                                                              \
    } while (0)

static void test_input(void)
{
    CHECK_PROBLEMS(PL_REC_PETITION_PUBLIC,
                   "{\"council\": \"nhi-chieu\", \"name\": \"Trần Văn Bình\", \"contact\": "
                   "\"0912 345 678\", \"content\": \"Đề nghị sửa đường ngõ 5\", \"area\": "
                   "\"transport\", \"locality\": \"Tổ 3\"}",
                   "");
    CHECK_PROBLEMS(PL_REC_PETITION_PUBLIC, "{}",
                   "council:missing_field,name:missing_field,contact:missing_field,content:"
                   "missing_field,area:missing_field,locality:missing_field");
    /* Blank is missing; ten characters (not bytes) is enough. */
    CHECK_PROBLEMS(
        PL_REC_PETITION_PUBLIC,
        "{\"council\": \"Nhi Chieu\", \"name\": \"  \", \"contact\": \"09\", \"content\": "
        "\"đđđđđđđđđđ\", \"area\": \"weather\", \"locality\": \"x\", \"x\": 1}",
        "council:bad_field,name:missing_field,contact:bad_phone,area:bad_field,x:"
        "unknown_field");
    CHECK_PROBLEMS(PL_REC_PETITION_PUBLIC, "[1]", ":not_object");
    CHECK_PROBLEMS(PL_REC_PETITION_STAFF,
                   "{\"council_id\": 1, \"received_on\": \"2026-02-30\", \"name\": \"A\", "
                   "\"content\": \"0123456789\", \"area\": \"other\", \"locality\": \"y\"}",
                   "received_on:bad_field");
    CHECK_PROBLEMS(PL_REC_PETITION_STAFF,
                   "{\"council_id\": 1, \"received_on\": \"2024-02-29\", \"name\": \"A\", "
                   "\"content\": \"0123456789\", \"area\": \"other\", \"locality\": \"y\", "
                   "\"contact\": \"\"}",
                   "");
    CHECK_PROBLEMS(PL_REC_PETITION_ACTION, "{\"id\": 1, \"action\": \"assign\"}",
                   "agency:missing_field,due_on:missing_field");
    CHECK_PROBLEMS(PL_REC_PETITION_ACTION,
                   "{\"id\": 1, \"action\": \"answer\", \"answer\": \"Đã sửa\", \"into\": 2}",
                   "into:unknown_field");
    CHECK_PROBLEMS(PL_REC_PETITION_ACTION, "{\"id\": 1, \"action\": \"classify\"}",
                   "area:missing_field");
    CHECK_PROBLEMS(PL_REC_PETITION_ACTION, "{\"id\": 0, \"action\": \"reopen\"}",
                   "id:bad_field,action:bad_field");
    CHECK_PROBLEMS(PL_REC_MINUTES_NOTES, "{\"session_id\": 3, \"notes\": \"\"}", "");
    CHECK_PROBLEMS(PL_REC_MINUTES_SESSION, "{\"session_id\": \"3\"}", "session_id:bad_field");
    /* Form fields are text. */
    CHECK_PROBLEMS(PL_REC_DOCUMENT, "{\"session_id\": \"12\", \"title\": \"Tờ trình\"}", "");
    CHECK_PROBLEMS(PL_REC_DOCUMENT, "{\"replaces\": \"7\"}", "");
    CHECK_PROBLEMS(PL_REC_DOCUMENT, "{\"session_id\": \"12\"}", "title:missing_field");
    CHECK_PROBLEMS(PL_REC_DOCUMENT, "{\"session_id\": \"-1\", \"title\": \"x\"}",
                   "session_id:bad_field");
    CHECK(pl_rec_date_ok("2026-11-22"));
    CHECK(!pl_rec_date_ok("2026-13-01"));
    CHECK(!pl_rec_date_ok("26-11-22"));
}

static void test_render(void)
{
    json_t *rec = json_pack(
        "{s:{s:s, s:s, s:s, s:i}, s:[], s:[{s:i, s:s, s:s}], s:[{s:s, s:s, s:i, s:s, s:i}], "
        "s:[{s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:b}}], s:s, s:s}",
        "session", "title", "Kỳ họp thứ Năm", "council", "HĐND phường <Nhị Chiểu>", "opened_at",
        "2026-11-22T01:00:00Z", "total_seats", 30, "sittings", "agenda", "id", 1, "number", "1",
        "title", "Khai mạc", "turns", "name", "=HYPERLINK(\"x\")", "kind", "question",
        "agenda_item_id", 1, "started_at", "2026-11-22T01:05:09Z", "duration_s", 75, "votes",
        "question", "Thông qua, \"nghị quyết\"", "kind", "named", "rule", "total_majority", "state",
        "published", "result", "for", 3, "against", 1, "abstain", 1, "cast", 5, "threshold", 16,
        "base", 30, "passed", 0, "notes", "<script>alert(1)</script>", "generated_at",
        "2026-11-22T02:00:00Z");
    char *html = pl_minutes_html(rec, NULL);
    CHECK(strstr(html, "<script>") == NULL);
    CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(html, "HĐND phường &lt;Nhị Chiểu&gt;") != NULL);
    CHECK(strstr(html, "Cộng hòa xã hội chủ nghĩa Việt Nam") != NULL);
    CHECK(strstr(html, "BẢN DỰ THẢO") != NULL);
    CHECK(strstr(html, "08:00 ngày 22/11/2026") != NULL); /* UTC+7 */
    CHECK(strstr(html, "08:05:09") != NULL);
    CHECK(strstr(html, "1:15") != NULL);
    CHECK(strstr(html, "Chất vấn") != NULL);
    CHECK(strstr(html, "Không được thông qua") != NULL);
    g_free(html);
    html = pl_minutes_html(rec, "ab12");
    CHECK(strstr(html, "BẢN DỰ THẢO") == NULL);
    CHECK(strstr(html, "<code id=\"sha256\">ab12</code>") != NULL);
    g_free(html);
    char *csv = pl_minutes_csv(rec);
    /* A formula is defused, quotes doubled, commas quoted. */
    CHECK(strstr(csv, "\"'=HYPERLINK(\"\"x\"\")\"") != NULL);
    CHECK(strstr(csv, "\"Thông qua, \"\"nghị quyết\"\"\"") != NULL);
    CHECK(strstr(csv, "turn,1,Khai mạc,") == csv + strcspn(csv, "\n") + 1);
    CHECK(strstr(csv, ",16,3,1,1,5,not_passed,") != NULL);
    g_free(csv);
    json_decref(rec);
}

/* A citizen's contact: a Vietnamese phone number as people write it, or an
 * e-mail address; over-long text is too_long (with its max), never cut. */
static void test_contact(void)
{
    const char *phones[] = {"0912345678",   "0912 345 678",  "0912.345.678",
                            "0912-345-678", "+84912345678",  "+84 912 345 678",
                            "84912345678",  "028 3829 1234", " 0912345678"};
    for (size_t i = 0; i < G_N_ELEMENTS(phones); i++)
        CHECK(pl_rec_phone_ok(phones[i]));
    const char *not_phones[] = {"abc",
                                "",
                                "091234567",
                                "09123456789",
                                "0012345678",
                                "+840912345678",
                                "+1 912 345 678",
                                "0912 345 67a",
                                ".0912345678",
                                "+84 0912 345 678",
                                "++84912345678"};
    for (size_t i = 0; i < G_N_ELEMENTS(not_phones); i++)
        CHECK(!pl_rec_phone_ok(not_phones[i]));
    const char *mails[] = {"ten@example.vn", "ten.ho+kn@so.hanoi.gov.vn", "a@b.co"};
    for (size_t i = 0; i < G_N_ELEMENTS(mails); i++)
        CHECK(pl_rec_email_ok(mails[i]));
    const char *not_mails[] = {
        "abc@x",   "@example.vn",   "a@@example.vn", "a b@example.vn", "a@-x.vn", "a@x-.vn",
        "a@x..vn", "a.@example.vn", "a..b@x.vn",     "a@x.vn.",        "a@",      "a(b)@x.vn"};
    for (size_t i = 0; i < G_N_ELEMENTS(not_mails); i++)
        CHECK(!pl_rec_email_ok(not_mails[i]));
    CHECK_PROBLEMS(PL_REC_PETITION_STAFF,
                   "{\"council_id\": 1, \"name\": \"A\", \"contact\": \"x@y\", "
                   "\"content\": \"0123456789\", \"area\": \"other\", \"locality\": \"y\"}",
                   "contact:bad_email");
    CHECK_PROBLEMS(PL_REC_PETITION_MEETING, "{\"content\": \"0123456789\", \"contact\": \"abc\"}",
                   "contact:bad_phone");
    GString *long_text = g_string_new("{\"content\": \"");
    for (int i = 0; i < 5001; i++)
        g_string_append(long_text, "đ");
    g_string_append(long_text, "\"}");
    json_t *doc = json_loads(long_text->str, 0, NULL);
    json_t *p = pl_rec_check(PL_REC_PETITION_MEETING, doc);
    CHECK(p && json_array_size(p) == 1);
    json_t *first = json_array_get(p, 0);
    CHECK(strcmp(json_string_value(json_object_get(first, "error")), "too_long") == 0);
    CHECK(json_integer_value(json_object_get(first, "max")) == 5000);
    json_decref(p);
    json_decref(doc);
    g_string_free(long_text, TRUE);
}

int main(void)
{
    test_doc_type();
    test_contact();
    test_input();
    test_render();
    return check_report("test_records");
}
