/* Versions of plenumd and of the libraries it runs on, for `plenumd version`
 * and bug reports. */
#ifndef PL_VERSIONS_H
#define PL_VERSIONS_H

#include <stdio.h>

void pl_versions_print(FILE *out);

#endif
