/* Error codes and their messages in Vietnamese and English; see errors.h. */
#include "errors.h"

#include <ctype.h>
#include <string.h>

static const struct {
    const char *code;
    const char *vi;
    const char *en;
    int retryable;
} table[PL_ERR__COUNT] = {
    [PL_OK] = {"ok", "Thành công.", "Success.", 0},
    [PL_ERR_BAD_JSON] = {"bad_json", "Thông điệp không phải JSON hợp lệ.",
                         "The message is not valid JSON.", 0},
    [PL_ERR_NOT_OBJECT] = {"not_object", "Thông điệp phải là một đối tượng JSON.",
                           "The message must be a JSON object.", 0},
    [PL_ERR_MISSING_FIELD] = {"missing_field", "Thiếu trường bắt buộc.",
                              "A required field is missing.", 0},
    [PL_ERR_BAD_FIELD] = {"bad_field", "Giá trị của trường không hợp lệ.",
                          "A field has an invalid type or value.", 0},
    [PL_ERR_UNKNOWN_FIELD] = {"unknown_field", "Thông điệp có trường không được hỗ trợ.",
                              "The message has a field this type does not define.", 0},
    [PL_ERR_UNKNOWN_TYPE] = {"unknown_type", "Loại yêu cầu không được hỗ trợ.",
                             "Unknown request type.", 0},
    [PL_ERR_TOO_LARGE] = {"too_large", "Thông điệp vượt quá kích thước cho phép.",
                          "The message exceeds the size limit.", 0},
    [PL_ERR_BINARY] = {"binary_not_supported", "Không hỗ trợ khung nhị phân; hãy gửi văn bản JSON.",
                       "Binary frames are not supported; send JSON text.", 0},
    [PL_ERR_DB_UNAVAILABLE] = {"db_unavailable",
                               "Cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại.",
                               "The database is temporarily unavailable; please retry.", 1},
    [PL_ERR_INTERNAL] = {"internal", "Lỗi máy chủ; thao tác chưa được ghi nhận.",
                         "Server error; the request was not recorded.", 1},
    [PL_ERR_INVALID_CREDENTIALS] = {"invalid_credentials",
                                    "Tên đăng nhập, mật khẩu hoặc mã đăng nhập không đúng.",
                                    "Wrong login name, password or sign-in code.", 0},
    [PL_ERR_LOCKED] = {"locked",
                       "Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau.",
                       "Too many failed sign-ins; temporarily locked, please try again later.", 1},
    [PL_ERR_RATE_LIMITED] = {"rate_limited", "Gửi quá nhiều yêu cầu; vui lòng chậm lại.",
                             "Too many requests; please slow down.", 1},
    [PL_ERR_UNAUTHENTICATED] = {"unauthenticated", "Vui lòng đăng nhập để thực hiện thao tác này.",
                                "Please sign in to do this.", 0},
    [PL_ERR_FORBIDDEN] = {"forbidden", "Bạn không có quyền thực hiện thao tác này.",
                          "You are not allowed to do this.", 0},
    [PL_ERR_ORIGIN] = {"origin_not_allowed", "Trang web gửi yêu cầu không được phép.",
                       "The requesting web page's origin is not allowed.", 0},
    [PL_ERR_MEDIA_TYPE] = {"unsupported_media_type", "Nội dung yêu cầu phải là JSON.",
                           "The request body must be JSON (application/json).", 0},
    [PL_ERR_SESSION_ENDED] = {"session_ended", "Phiên đăng nhập đã hết hạn hoặc đã đăng xuất.",
                              "The sign-in has expired or was signed out.", 0},
    [PL_ERR_NOT_JOINED] = {"not_joined", "Hãy tham gia một kỳ họp trước (join).",
                           "Join a session first.", 0},
    [PL_ERR_NOT_FOUND] = {"not_found", "Không tìm thấy đối tượng được yêu cầu trong kỳ họp.",
                          "The requested item does not exist in this session.", 0},
    [PL_ERR_INVALID_STATE] = {"invalid_state",
                              "Không thể thực hiện thao tác này ở trạng thái hiện tại của kỳ họp.",
                              "This cannot be done in the session's current state.", 0},
    [PL_ERR_CONFLICT] = {"conflict", "Dữ liệu vừa thay đổi; vui lòng thử lại.",
                         "The record changed meanwhile; please retry.", 1},
    [PL_ERR_VOTE_CLOSED] = {"vote_closed", "Cuộc biểu quyết không mở; phiếu không được ghi nhận.",
                            "The vote is not open; the ballot was not recorded.", 0},
    [PL_ERR_NOT_ELIGIBLE] = {"not_eligible",
                             "Bạn không có quyền biểu quyết lần này (chưa điểm danh khi mở).",
                             "You may not vote in this vote (not checked in when it opened).", 0},
    [PL_ERR_ALREADY_VOTED] = {"already_voted", "Phiếu của bạn đã được ghi nhận trước đó.",
                              "Your vote was already recorded.", 0},
    [PL_ERR_BAD_CHOICE] = {"bad_choice", "Lựa chọn không có trên phiếu.",
                           "That choice is not on the ballot.", 0},
    [PL_ERR_DUPLICATE] = {"duplicate", "Giá trị này đã được dùng (xem trường được nêu).",
                          "That value is already taken (see the field named).", 0},
    [PL_ERR_FILE_TOO_LARGE] = {"file_too_large",
                               "Tệp vượt quá dung lượng cho phép; tệp không được lưu.",
                               "The file is larger than allowed; nothing was stored.", 0},
    [PL_ERR_FILE_TYPE] = {"bad_file_type",
                          "Nội dung tệp không phải loại được chấp nhận hoặc không khớp với tên "
                          "tệp; tệp không được lưu.",
                          "The file's content is not an accepted type or does not match its "
                          "name; nothing was stored.",
                          0},
    [PL_ERR_SERVER_FULL] = {"server_full",
                            "Máy chủ đang phục vụ số kết nối tối đa; vui lòng thử lại sau ít phút.",
                            "The server is serving its maximum of connections; please retry in a "
                            "few minutes.",
                            1},
    [PL_ERR_MEETING_FULL] = {"meeting_full",
                             "Buổi tiếp xúc cử tri đã đủ số người tham gia tối đa; vui lòng theo "
                             "dõi trực tiếp hoặc gửi kiến nghị bằng văn bản.",
                             "The voter meeting holds as many citizens as it may; please follow "
                             "the livestream or send a written petition.",
                             1},
    [PL_ERR_NONCE_IN_USE] = {"nonce_in_use",
                             "Mã phiếu (nonce) này đã thuộc về phiếu của người khác; phiếu chưa "
                             "được ghi nhận, hãy bỏ phiếu lại với mã mới.",
                             "This ballot nonce already belongs to someone else's ballot; nothing "
                             "was recorded, vote again with a new nonce.",
                             0},
    [PL_ERR_OUTCOME_UNKNOWN] =
        {"outcome_unknown",
         "Cơ sở dữ liệu không phản hồi nên chưa rõ thao tác đã được ghi nhận "
         "hay chưa; hãy gửi lại đúng yêu cầu này (cùng khóa) để biết kết quả.",
         "The database stopped answering, so the request may or may not "
         "have been recorded; send it again with the same key to find out.",
         1},
    [PL_ERR_STANDING] = {"standing_too_high",
                         "Người này có cấp bậc ngang hoặc cao hơn bạn; bạn không thể cấp mã đăng "
                         "nhập hay thay đổi tài khoản của họ.",
                         "This person's standing is equal to or higher than yours; you cannot "
                         "issue them a sign-in code or change their account.",
                         0},
    [PL_ERR_OTHER_COUNCIL] = {"other_council",
                              "Người này còn thuộc một Hội đồng khác mà bạn không quản lý; cần "
                              "quyền ở mọi Hội đồng của họ.",
                              "This person also belongs to another council you do not manage; "
                              "it needs the right over every council they belong to.",
                              0},
    [PL_ERR_NEEDS_RESET] = {"needs_reset",
                            "Người này đã có mật khẩu hoặc đã đăng nhập; quản trị viên cần đặt "
                            "lại tài khoản trước khi cấp mã đăng nhập.",
                            "This person already has a password or has signed in; an "
                            "administrator must reset the account before a sign-in code is "
                            "issued.",
                            0},
    [PL_ERR_SERVER_BUSY] = {"server_busy",
                            "Máy chủ đang bận kiểm tra các lần đăng nhập khác; vui lòng thử lại "
                            "sau vài giây.",
                            "The server is busy checking other sign-ins; please retry in a few "
                            "seconds.",
                            1},
    [PL_ERR_TOO_LONG] = {"too_long", "Nội dung dài quá giới hạn của trường; không có gì được lưu.",
                         "The text is longer than the field allows; nothing was saved.", 0},
    [PL_ERR_BAD_PHONE] = {"bad_phone",
                          "Số điện thoại không hợp lệ: cần 10 chữ số bắt đầu bằng 0 (hoặc +84 "
                          "và 9 chữ số).",
                          "Not a valid phone number: 10 digits starting with 0 (or +84 and 9 "
                          "digits).",
                          0},
    [PL_ERR_BAD_EMAIL] = {"bad_email", "Địa chỉ e-mail không hợp lệ (ví dụ: ten@example.vn).",
                          "Not a valid e-mail address (e.g. name@example.vn).", 0},
};

const char *pl_err_code(enum pl_err err)
{
    if ((unsigned)err >= PL_ERR__COUNT)
        err = PL_ERR_INTERNAL;
    return table[err].code;
}

const char *pl_err_message(enum pl_err err, enum pl_lang lang)
{
    if ((unsigned)err >= PL_ERR__COUNT)
        err = PL_ERR_INTERNAL;
    return lang == PL_LANG_EN ? table[err].en : table[err].vi;
}

int pl_err_retryable(enum pl_err err)
{
    if ((unsigned)err >= PL_ERR__COUNT)
        return 0;
    return table[err].retryable;
}

int pl_err_database(enum pl_err err)
{
    return err == PL_ERR_DB_UNAVAILABLE || err == PL_ERR_OUTCOME_UNKNOWN;
}

enum pl_lang pl_lang_parse(const char *tag)
{
    if (!tag)
        return PL_LANG_VI;
    while (*tag == ' ')
        tag++;
    if (tolower((unsigned char)tag[0]) == 'e' && tolower((unsigned char)tag[1]) == 'n' &&
        (tag[2] == '\0' || tag[2] == '-' || tag[2] == '_' || tag[2] == ',' || tag[2] == ';'))
        return PL_LANG_EN;
    return PL_LANG_VI;
}
