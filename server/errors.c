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
