/*
 * QR codes as SVG (libqrencode), for printed one-time sign-in codes: a
 * delegate's tablet camera reads the code instead of typing it.
 */
#ifndef PL_QR_SVG_H
#define PL_QR_SVG_H

/* The QR code of text (medium error correction) as a standalone SVG
 * document with a 4-module quiet zone. Returns a new string the caller
 * g_free()s, or NULL if text cannot be encoded. */
char *pl_qr_svg(const char *text);

#endif
