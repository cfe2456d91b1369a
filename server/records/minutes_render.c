/*
 * Printable minutes. Everything taken from the record is escaped; the page
 * has no script and loads nothing (its style is inline), so a copy saved
 * today still prints the same in ten years. Times are shown in Viet Nam's
 * time (UTC+7, no daylight saving).
 */
#include "minutes_render.h"

#include <stdbool.h>
#include <string.h>

#include <glib.h>

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void esc(GString *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        case '\'':
            g_string_append(out, "&#39;");
            break;
        default:
            g_string_append_c(out, *s);
        }
    }
}

/* "08:05 ngày 22/11/2026" (with_date) or "08:05:09", in UTC+7; "" if absent. */
static void when(GString *out, const char *iso, int with_date)
{
    if (!iso || !*iso)
        return;
    GDateTime *t = g_date_time_new_from_iso8601(iso, NULL);
    if (!t) {
        esc(out, iso);
        return;
    }
    GTimeZone *vn = g_time_zone_new_offset(7 * 3600);
    GDateTime *local = g_date_time_to_timezone(t, vn);
    char *s = g_date_time_format(local, with_date ? "%H:%M ngày %d/%m/%Y" : "%H:%M:%S");
    g_string_append(out, s);
    g_free(s);
    g_date_time_unref(local);
    g_time_zone_unref(vn);
    g_date_time_unref(t);
}

static const char *turn_kind(const char *k)
{
    static const char *const names[][2] = {
        {"speech", "Phát biểu"}, {"question", "Chất vấn"},          {"answer", "Trả lời"},
        {"reply", "Tranh luận"}, {"order", "Kiến nghị về thủ tục"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(names[i][0], k) == 0)
            return names[i][1];
    return k;
}

static const char *vote_kind(const char *k)
{
    static const char *const names[][2] = {
        {"open", "Biểu quyết công khai"},
        {"named", "Biểu quyết ghi danh"},
        {"secret", "Bỏ phiếu kín"},
        {"election", "Bầu cử"},
        {"confidence", "Lấy phiếu tín nhiệm"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(names[i][0], k) == 0)
            return names[i][1];
    return k;
}

static const char *rule_name(const char *r)
{
    static const char *const names[][2] = {
        {"total_majority", "quá nửa tổng số đại biểu"},
        {"present_majority", "quá nửa số đại biểu có mặt"},
        {"cast_majority", "quá nửa số phiếu biểu quyết"},
        {"total_two_thirds", "hai phần ba tổng số đại biểu"},
        {"cast_two_thirds", "hai phần ba số phiếu biểu quyết"},
        {"total_majority_most_votes", "quá nửa tổng số đại biểu, lấy người nhiều phiếu hơn"},
        {"confidence", "lấy phiếu tín nhiệm"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(names[i][0], r) == 0)
            return names[i][1];
    return r;
}

static const char *choice_name(const json_t *c)
{
    const char *s = json_string_value(c);
    if (!s)
        return "—";
    if (strcmp(s, "for") == 0)
        return "Tán thành";
    if (strcmp(s, "against") == 0)
        return "Không tán thành";
    if (strcmp(s, "abstain") == 0)
        return "Không biểu quyết";
    return s;
}

static const char *vote_state(const char *s)
{
    if (strcmp(s, "cancelled") == 0)
        return "Đã hủy";
    if (strcmp(s, "open") == 0)
        return "Đang biểu quyết";
    if (strcmp(s, "closed") == 0)
        return "Đã kết thúc, chưa kiểm phiếu";
    if (strcmp(s, "counted") == 0)
        return "Đã kiểm phiếu, chưa công bố";
    return "Đã công bố";
}

static const char style[] =
    "body{font-family:'Times New Roman',serif;font-size:13pt;max-width:48rem;margin:2rem auto;"
    "padding:0 1rem;color:#000}header.doc{display:flex;justify-content:space-between;gap:2rem;"
    "text-align:center}header.doc p{margin:0}.caps{text-transform:uppercase;font-weight:bold}"
    ".motto{font-weight:bold;text-decoration:underline}h1{text-align:center;margin:2rem 0 0}"
    "p.sub{text-align:center;font-weight:bold;margin:0 0 "
    "1.5rem}h2{font-size:13pt;margin-top:1.5rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #000;"
    "padding:.2rem .4rem;text-align:left;vertical-align:top}td.n{text-align:right}"
    ".notes{white-space:pre-wrap}.draft{border:2px solid #000;padding:.5rem;text-align:center;"
    "font-weight:bold}footer{margin-top:2rem;font-size:11pt}code{word-break:break-all}"
    "@media print{a{color:#000;text-decoration:none}body{margin:0}}";

static void people(GString *out, const json_t *list)
{
    size_t i;
    const json_t *p;
    json_array_foreach(list, i, p)
    {
        if (i)
            g_string_append(out, ", ");
        esc(out, str(p, "name"));
    }
    if (json_array_size(list) == 0)
        g_string_append(out, "—");
}

static void duration(GString *out, const json_t *secs)
{
    if (!json_is_integer(secs)) {
        g_string_append(out, "—");
        return;
    }
    json_int_t s = json_integer_value(secs);
    g_string_append_printf(out, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

static const char *item_title(const json_t *rec, const json_t *id, const char **number)
{
    size_t i;
    const json_t *it;
    *number = "";
    json_array_foreach(json_object_get(rec, "agenda"), i, it)
    {
        if (json_is_integer(id) &&
            json_integer_value(json_object_get(it, "id")) == json_integer_value(id)) {
            *number = str(it, "number");
            return str(it, "title");
        }
    }
    return "";
}

static void link(GString *out, const json_t *o)
{
    const char *v = str(o, "video");
    /* Only a path on this site (the record makes no other kind). */
    if (v[0] != '/' || v[1] == '/')
        return;
    g_string_append(out, " <a href=\"");
    esc(out, v);
    g_string_append(out, "\">[video]</a>");
}

static void vote_result(GString *out, const json_t *v)
{
    const json_t *r = json_object_get(v, "result");
    if (!json_is_object(r)) {
        g_string_append_printf(out, "<p>%s.</p>", vote_state(str(v, "state")));
        return;
    }
    const char *kind = str(v, "kind");
    if (strcmp(kind, "election") == 0) {
        g_string_append(out, "<table><tr><th>Người ứng cử</th><th>Số phiếu</th><th>Kết quả</th>"
                             "</tr>");
        size_t i;
        const json_t *c;
        json_array_foreach(json_object_get(r, "candidates"), i, c)
        {
            g_string_append(out, "<tr><td>");
            esc(out, str(c, "name"));
            g_string_append_printf(out, "</td><td class=\"n\">%lld</td><td>%s</td></tr>",
                                   (long long)json_integer_value(json_object_get(c, "votes")),
                                   json_is_true(json_object_get(c, "elected")) ? "Trúng cử"
                                                                               : "Không trúng cử");
        }
        g_string_append_printf(out, "</table><p>Số phiếu hợp lệ: %lld; cần ít nhất %lld phiếu.</p>",
                               (long long)json_integer_value(json_object_get(r, "cast")),
                               (long long)json_integer_value(json_object_get(r, "threshold")));
        return;
    }
    if (strcmp(kind, "confidence") == 0) {
        g_string_append(out, "<table><tr><th>Người được lấy phiếu</th><th>Tín nhiệm cao</th>"
                             "<th>Tín nhiệm</th><th>Tín nhiệm thấp</th></tr>");
        size_t i;
        const json_t *p;
        json_array_foreach(json_object_get(r, "persons"), i, p)
        {
            g_string_append(out, "<tr><td>");
            esc(out, str(p, "name"));
            g_string_append_printf(out,
                                   "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                                   "<td class=\"n\">%lld</td></tr>",
                                   (long long)json_integer_value(json_object_get(p, "high")),
                                   (long long)json_integer_value(json_object_get(p, "confidence")),
                                   (long long)json_integer_value(json_object_get(p, "low")));
        }
        g_string_append(out, "</table>");
        return;
    }
    g_string_append_printf(
        out,
        "<table><tr><th>Tán thành</th><th>Không tán thành</th><th>Không biểu quyết</th>"
        "<th>Tổng số phiếu</th><th>Cần ít nhất</th></tr><tr><td class=\"n\">%lld</td>"
        "<td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
        "<td class=\"n\">%lld</td></tr></table><p class=\"outcome\"><strong>%s</strong>"
        " (%lld/%lld đại biểu tán thành).</p>",
        (long long)json_integer_value(json_object_get(r, "for")),
        (long long)json_integer_value(json_object_get(r, "against")),
        (long long)json_integer_value(json_object_get(r, "abstain")),
        (long long)json_integer_value(json_object_get(r, "cast")),
        (long long)json_integer_value(json_object_get(r, "threshold")),
        json_is_true(json_object_get(r, "passed")) ? "Được thông qua" : "Không được thông qua",
        (long long)json_integer_value(json_object_get(r, "for")),
        (long long)json_integer_value(json_object_get(r, "base")));
}

char *pl_minutes_html(const json_t *rec, const char *sha256)
{
    const json_t *s = json_object_get(rec, "session");
    GString *out = g_string_new("<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                                "<meta name=\"viewport\" content=\"width=device-width\"><title>"
                                "Biên bản — ");
    esc(out, str(s, "title"));
    g_string_append_printf(out, "</title><style>%s</style></head><body>\n", style);
    g_string_append(out, "<header class=\"doc\"><div><p class=\"caps\">");
    esc(out, str(s, "council"));
    g_string_append(out, "</p></div><div><p class=\"caps\">Cộng hòa xã hội chủ nghĩa Việt Nam</p>"
                         "<p class=\"motto\">Độc lập - Tự do - Hạnh phúc</p></div></header>\n");
    g_string_append(out, "<h1>BIÊN BẢN</h1><p class=\"sub\">");
    esc(out, str(s, "title"));
    g_string_append(out, "</p>\n");
    if (!sha256)
        g_string_append(out, "<p class=\"draft\">BẢN DỰ THẢO — chưa hoàn tất, còn có thể thay "
                             "đổi</p>\n");
    g_string_append(out, "<p>Thời gian: từ ");
    when(out, str(s, "opened_at"), 1);
    g_string_append(out, " đến ");
    if (*str(s, "closed_at"))
        when(out, str(s, "closed_at"), 1);
    else
        g_string_append(out, "(chưa bế mạc)");
    g_string_append(out, ".");
    if (*str(s, "location")) {
        g_string_append(out, " Địa điểm: ");
        esc(out, str(s, "location"));
        g_string_append(out, ".");
    }
    g_string_append_printf(out, " Tổng số đại biểu: %lld.</p>\n",
                           (long long)json_integer_value(json_object_get(s, "total_seats")));

    g_string_append(out, "<h2>I. Các phiên họp và điểm danh</h2>\n");
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "sittings"), i, x)
    {
        g_string_append(out, "<h3>");
        esc(out, str(x, "title"));
        g_string_append(out, "</h3><p>");
        /* The public view of a sitting closed to the public has no count
         * (schema/015_access.sql): say so rather than print 0. */
        bool members_only = json_is_null(json_object_get(x, "present_count"));
        if (*str(x, "opened_at") && members_only) {
            g_string_append(out, "Khai mạc lúc ");
            when(out, str(x, "opened_at"), 1);
            if (*str(x, "closed_at")) {
                g_string_append(out, ", kết thúc lúc ");
                when(out, str(x, "closed_at"), 1);
            }
            g_string_append(out, ". Phiên họp kín: diễn biến chỉ dành cho đại biểu.</p>\n");
            continue;
        } else if (*str(x, "opened_at")) {
            g_string_append(out, "Khai mạc lúc ");
            when(out, str(x, "opened_at"), 1);
            if (*str(x, "closed_at")) {
                g_string_append(out, ", kết thúc lúc ");
                when(out, str(x, "closed_at"), 1);
            }
            g_string_append_printf(
                out, ". Có mặt %lld/%lld đại biểu%s.",
                (long long)json_integer_value(json_object_get(x, "present_count")),
                (long long)json_integer_value(json_object_get(x, "total_seats")),
                strcmp(str(x, "visibility"), "closed") == 0 ? " (phiên họp kín)" : "");
            link(out, x);
        } else {
            g_string_append(out, "Không họp.");
        }
        g_string_append(out, "</p><p>Có mặt: ");
        people(out, json_object_get(x, "present"));
        g_string_append(out, ".</p><p>Vắng mặt: ");
        people(out, json_object_get(x, "absent"));
        g_string_append(out, ".</p>\n");
    }

    g_string_append(out, "<h2>II. Chương trình kỳ họp</h2>\n<table><tr><th>Mục</th><th>Nội dung"
                         "</th><th>Trình bày</th><th>Bắt đầu thảo luận</th></tr>\n");
    json_array_foreach(json_object_get(rec, "agenda"), i, x)
    {
        g_string_append(out, "<tr><td>");
        esc(out, str(x, "number"));
        g_string_append(out, "</td><td>");
        esc(out, str(x, "title"));
        g_string_append(out, "</td><td>");
        esc(out, str(x, "presenter"));
        g_string_append(out, "</td><td>");
        when(out, str(x, "first_active_at"), 1);
        g_string_append(out, "</td></tr>\n");
    }
    g_string_append(out, "</table>\n");

    g_string_append(out, "<h2>III. Các lượt phát biểu</h2>\n");
    const json_t *turns = json_object_get(rec, "turns");
    if (json_array_size(turns) == 0)
        g_string_append(out, "<p>Không có lượt phát biểu.</p>\n");
    else
        g_string_append(out, "<table class=\"turns\"><tr><th>#</th><th>Đại biểu</th><th>Hình thức"
                             "</th><th>Nội dung</th><th>Bắt đầu</th><th>Thời lượng</th></tr>\n");
    json_array_foreach(turns, i, x)
    {
        const char *number;
        const char *title = item_title(rec, json_object_get(x, "agenda_item_id"), &number);
        g_string_append_printf(out, "<tr><td class=\"n\">%zu</td><td>", i + 1);
        esc(out, str(x, "name"));
        g_string_append(out, "</td><td>");
        esc(out, turn_kind(str(x, "kind")));
        g_string_append(out, "</td><td>");
        if (*number) {
            esc(out, number);
            g_string_append(out, ". ");
        }
        esc(out, title);
        g_string_append(out, "</td><td>");
        when(out, str(x, "started_at"), 0);
        link(out, x);
        g_string_append(out, "</td><td class=\"n\">");
        duration(out, json_object_get(x, "duration_s"));
        if (json_is_true(json_object_get(x, "overran")))
            g_string_append(out, " (quá giờ)");
        g_string_append(out, "</td></tr>\n");
    }
    if (json_array_size(turns))
        g_string_append(out, "</table>\n");

    g_string_append(out, "<h2>IV. Biểu quyết</h2>\n");
    const json_t *votes = json_object_get(rec, "votes");
    if (json_array_size(votes) == 0)
        g_string_append(out, "<p>Không có biểu quyết.</p>\n");
    json_array_foreach(votes, i, x)
    {
        g_string_append_printf(out, "<section class=\"vote\"><h3>%zu. ", i + 1);
        esc(out, str(x, "question"));
        /* The names fall back to the value itself: escaped like it. */
        g_string_append(out, "</h3><p>");
        esc(out, vote_kind(str(x, "kind")));
        g_string_append(out, "; cách tính: ");
        esc(out, rule_name(str(x, "rule")));
        g_string_append(out, "; mở lúc ");
        when(out, str(x, "opened_at"), 0);
        if (*str(x, "closed_at")) {
            g_string_append(out, ", kết thúc lúc ");
            when(out, str(x, "closed_at"), 0);
        }
        g_string_append_printf(out, "; %lld đại biểu có quyền biểu quyết.",
                               (long long)json_integer_value(json_object_get(x, "eligible_count")));
        link(out, x);
        g_string_append(out, "</p>");
        vote_result(out, x);
        const json_t *named = json_object_get(x, "named");
        if (json_array_size(named)) {
            g_string_append(out, "<table><tr><th>Đại biểu</th><th>Lựa chọn</th></tr>");
            size_t k;
            const json_t *n;
            json_array_foreach(named, k, n)
            {
                g_string_append(out, "<tr><td>");
                esc(out, str(n, "name"));
                g_string_append(out, "</td><td>");
                esc(out, choice_name(json_object_get(n, "choice")));
                g_string_append(out, json_is_true(json_object_get(n, "by_secretary"))
                                         ? " (thư ký nhập)</td></tr>"
                                         : "</td></tr>");
            }
            g_string_append(out, "</table>");
        }
        if (*str(x, "ballot_digest")) {
            g_string_append(out, "<p>Mã kiểm tra các phiếu kín: <code>");
            esc(out, str(x, "ballot_digest"));
            g_string_append(out, "</code></p>");
        }
        g_string_append(out, "</section>\n");
    }

    /* Members' copy only: sign-in codes made and resets done for the
     * council's people while the session was open (schema/015_access.sql). */
    const json_t *access = json_object_get(rec, "access");
    if (json_array_size(access)) {
        g_string_append(out, "<h2>Nhật ký cấp mã đăng nhập và đặt lại tài khoản</h2>\n"
                             "<table><tr><th>Thời điểm</th><th>Việc</th><th>Cho</th>"
                             "<th>Người thực hiện</th></tr>");
        json_array_foreach(access, i, x)
        {
            g_string_append(out, "<tr><td>");
            when(out, str(x, "at"), 1);
            g_string_append(out, strcmp(str(x, "kind"), "reset") == 0
                                     ? "</td><td>Đặt lại tài khoản</td><td>"
                                     : "</td><td>Cấp mã đăng nhập một lần</td><td>");
            esc(out, str(x, "person"));
            g_string_append(out, "</td><td>");
            esc(out, str(x, "by"));
            g_string_append(out, "</td></tr>");
        }
        g_string_append(out, "</table>\n");
    }

    g_string_append(out, "<h2>V. Ghi chú của thư ký</h2>\n<p class=\"notes\">");
    esc(out, *str(rec, "notes") ? str(rec, "notes") : "Không có.");
    g_string_append(out, "</p>\n<footer><p>Biên bản được lập tự động từ nhật ký kỳ họp lúc ");
    when(out, str(rec, "generated_at"), 1);
    g_string_append(out, ".</p>");
    if (sha256) {
        g_string_append(out, "<p>Hoàn tất lúc ");
        when(out, str(rec, "finalised_at"), 1);
        g_string_append(out, " bởi ");
        esc(out, str(rec, "finalised_by"));
        g_string_append(out, ". Mã băm SHA-256 của biên bản (bản JSON): <code id=\"sha256\">");
        esc(out, sha256);
        g_string_append(out, "</code></p>");
    }
    g_string_append(out, "</footer>\n</body></html>\n");
    return g_string_free(out, FALSE);
}

/* RFC 4180: quoted when it holds a comma, quote or line break; a leading
 * = + - @ is prefixed with ' so a spreadsheet does not run it as a formula. */
static void cell(GString *out, const char *s, int last)
{
    if (!s)
        s = "";
    int quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
    if (quote)
        g_string_append_c(out, '"');
    if (*s && strchr("=+-@", s[0]))
        g_string_append_c(out, '\'');
    for (; *s; s++) {
        if (*s == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *s);
    }
    if (quote)
        g_string_append_c(out, '"');
    g_string_append(out, last ? "\r\n" : ",");
}

static void num(GString *out, const json_t *v, int last)
{
    char buf[32] = "";
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    cell(out, buf, last);
}

char *pl_minutes_csv(const json_t *rec)
{
    GString *out = g_string_new("section,number,agenda_item,name_or_question,kind,started_at,"
                                "ended_at,duration_s,rule,threshold,for,against,abstain,cast,"
                                "outcome,video\r\n");
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(rec, "turns"), i, x)
    {
        const char *number;
        const char *title = item_title(rec, json_object_get(x, "agenda_item_id"), &number);
        char n[24];
        snprintf(n, sizeof n, "%zu", i + 1);
        cell(out, "turn", 0);
        cell(out, n, 0);
        cell(out, title, 0);
        cell(out, str(x, "name"), 0);
        cell(out, str(x, "kind"), 0);
        cell(out, str(x, "started_at"), 0);
        cell(out, str(x, "ended_at"), 0);
        num(out, json_object_get(x, "duration_s"), 0);
        for (int k = 0; k < 7; k++)
            cell(out, "", 0);
        cell(out, str(x, "video"), 1);
    }
    json_array_foreach(json_object_get(rec, "votes"), i, x)
    {
        const char *number;
        const char *title = item_title(rec, json_object_get(x, "agenda_item_id"), &number);
        const json_t *r = json_object_get(x, "result");
        char n[24];
        snprintf(n, sizeof n, "%zu", i + 1);
        cell(out, "vote", 0);
        cell(out, n, 0);
        cell(out, title, 0);
        cell(out, str(x, "question"), 0);
        cell(out, str(x, "kind"), 0);
        cell(out, str(x, "opened_at"), 0);
        cell(out, str(x, "closed_at"), 0);
        cell(out, "", 0);
        cell(out, str(x, "rule"), 0);
        num(out, json_object_get(r, "threshold"), 0);
        num(out, json_object_get(r, "for"), 0);
        num(out, json_object_get(r, "against"), 0);
        num(out, json_object_get(r, "abstain"), 0);
        num(out, json_object_get(r, "cast"), 0);
        const json_t *passed = json_object_get(r, "passed");
        cell(out,
             json_is_boolean(passed) ? (json_is_true(passed) ? "passed" : "not_passed")
                                     : str(x, "state"),
             0);
        cell(out, str(x, "video"), 1);
    }
    return g_string_free(out, FALSE);
}

/* The archive's open data as CSV: what the public archive page shows, and
 * nothing more (rec_archive answers only published material). Votes carry
 * their counts, not who voted how (the named lists stay in the JSON, where
 * the rules made them public); petitions carry no sender's name or contact
 * (rec_archive never has them). */
static void archive_votes_csv(GString *out, const json_t *archive)
{
    g_string_append(out, "session_number,session_title,question,kind,rule,published_at,"
                         "threshold,for,against,abstain,cast,outcome\r\n");
    size_t i, j;
    const json_t *s, *v;
    json_array_foreach(json_object_get(archive, "sessions"), i, s)
    {
        json_array_foreach(json_object_get(s, "votes"), j, v)
        {
            const json_t *r = json_object_get(v, "result");
            const json_t *passed = json_object_get(r, "passed");
            num(out, json_object_get(s, "number"), 0);
            cell(out, str(s, "title"), 0);
            cell(out, str(v, "question"), 0);
            cell(out, str(v, "kind"), 0);
            cell(out, str(v, "rule"), 0);
            cell(out, str(v, "published_at"), 0);
            num(out, json_object_get(r, "threshold"), 0);
            num(out, json_object_get(r, "for"), 0);
            num(out, json_object_get(r, "against"), 0);
            num(out, json_object_get(r, "abstain"), 0);
            num(out, json_object_get(r, "cast"), 0);
            cell(out,
                 json_is_boolean(passed) ? (json_is_true(passed) ? "passed" : "not_passed") : "",
                 1);
        }
    }
}

static void archive_petitions_csv(GString *out, const json_t *archive)
{
    g_string_append(out, "code,received_on,area,locality,content,agency,answer,answered_at,"
                         "published_at,count\r\n");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(archive, "petitions"), i, p)
    {
        cell(out, str(p, "code"), 0);
        cell(out, str(p, "received_on"), 0);
        cell(out, str(p, "area"), 0);
        cell(out, str(p, "locality"), 0);
        cell(out, str(p, "content"), 0);
        cell(out, str(p, "agency"), 0);
        cell(out, str(p, "answer"), 0);
        cell(out, str(p, "answered_at"), 0);
        cell(out, str(p, "published_at"), 0);
        num(out, json_object_get(p, "count"), 1);
    }
}

char *pl_archive_csv(const json_t *archive, bool petitions)
{
    GString *out = g_string_new(NULL);
    if (petitions)
        archive_petitions_csv(out, archive);
    else
        archive_votes_csv(out, archive);
    return g_string_free(out, FALSE);
}
