/* QR codes as SVG; see qr_svg.h. */
#include "qr_svg.h"

#include <glib.h>
#include <qrencode.h>

#define QUIET 4

char *pl_qr_svg(const char *text)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return NULL;
    int w = qr->width, size = w + 2 * QUIET;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s,
                           "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                           "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                           "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                           size, size, size, size);
    /* One path: a 1x1 square per dark module (bit 0 of each byte). */
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w; x++) {
            if (qr->data[y * w + x] & 1)
                g_string_append_printf(s, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
        }
    }
    g_string_append(s, "\"/></svg>");
    QRcode_free(qr);
    return g_string_free(s, FALSE);
}
