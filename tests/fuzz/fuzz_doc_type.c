/* libFuzzer harness: content sniffing of uploaded session documents. The
 * input is the whole file; the harness hands the sniffer its start and end
 * as the server does, and a name made from the first bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc_type.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hn = size < PL_DOC_HEAD_BYTES ? size : PL_DOC_HEAD_BYTES;
    size_t tn = size < PL_DOC_TAIL_BYTES ? size : PL_DOC_TAIL_BYTES;
    enum pl_doc_type t = pl_doc_sniff(data, hn, data + size - tn, tn, size);
    if ((unsigned)t >= PL_DOC__COUNT)
        abort();
    /* Also as a window that does not reach the start of the file. */
    if (size > 16)
        (void)pl_doc_sniff(data, 8, data + 8, size - 8, (uint64_t)size + 4096);
    char name[24] = {0};
    memcpy(name, data, size < sizeof name - 1 ? size : sizeof name - 1);
    enum pl_doc_type c = pl_doc_claimed(name);
    if (!pl_doc_media_type(t, name) || (unsigned)c >= PL_DOC__COUNT)
        abort();
    return 0;
}
