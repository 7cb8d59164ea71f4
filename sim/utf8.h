/* capsim: UTF-8 well-formedness (sim/utf8.c), for the YAML pre-check and
 * the command's one-line messages. Private to sim/. */
#ifndef CAPSIM_SIM_UTF8_H
#define CAPSIM_SIM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1-4) of the well-formed UTF-8 sequence at s[0 .. len), its
 * code point in *cp; 0 if malformed, truncated, overlong, a surrogate or
 * above U+10FFFF. */
size_t cs_utf8_seq(const unsigned char *s, size_t len, uint32_t *cp);

#endif
