/*
 * What an uploaded session document is, told by its content (never by its
 * name alone), and whether its name agrees. Pure functions over bytes the
 * caller read: the start of the file and its end (where a ZIP keeps its
 * directory), so they are unit-tested and fuzzed without files.
 */
#ifndef PL_DOC_TYPE_H
#define PL_DOC_TYPE_H

#include <stddef.h>
#include <stdint.h>

enum pl_doc_type {
    PL_DOC_UNKNOWN = 0,
    PL_DOC_PDF,
    PL_DOC_DOCX,
    PL_DOC_XLSX,
    PL_DOC_PPTX,
    PL_DOC_ODT,
    PL_DOC_ODS,
    PL_DOC_ODP,
    PL_DOC_OLE2, /* .doc, .xls, .ppt: one container format for the three */
    PL_DOC_PNG,
    PL_DOC_JPEG,
    PL_DOC_TEXT, /* UTF-8 text without control characters */
    PL_DOC__COUNT
};

/* How much of each end the caller should pass (less for a smaller file). */
#define PL_DOC_HEAD_BYTES 8192
#define PL_DOC_TAIL_BYTES (128 * 1024)

/* The type of a file of size bytes whose first head_len bytes are head and
 * last tail_len bytes are tail (they may overlap for a small file). */
enum pl_doc_type pl_doc_sniff(const unsigned char *head, size_t head_len, const unsigned char *tail,
                              size_t tail_len, uint64_t size);

/* The type a file name claims by its extension (case-insensitive), or
 * PL_DOC_UNKNOWN for a name without an accepted extension. */
enum pl_doc_type pl_doc_claimed(const char *file_name);

/* Whether a file of type found may carry the name's claim (OLE2 stands for
 * each of .doc, .xls and .ppt). */
int pl_doc_agrees(enum pl_doc_type claimed, enum pl_doc_type found);

/* The media type to serve it with (an OLE2 file's from its name's
 * extension); static storage. */
const char *pl_doc_media_type(enum pl_doc_type t, const char *file_name);

#endif
