/* What every Precis stand-in library is made of: exported functions that refuse.
 *
 * Copyright the Precis team. Licensed under the Apache License, Version 2.0.
 *
 * A stand-in takes the place of a library that the bundled FFmpeg links but Precis never calls
 * (bundling/stubs.py builds them with cc -shared -nostdlib). The functions take no notice of
 * their arguments; on x86-64 and arm64 a caller expecting void, an int or a pointer gets the
 * value below (or ignores it), so each function is declared with the answer that means "no" in
 * its library's own convention.
 */
#ifndef PRECIS_STUB_H
#define PRECIS_STUB_H

#define PASTE2(a, b) a##b
#define PASTE(a, b) PASTE2(a, b)
#define EXPORT __attribute__((visibility("default"), used))
/* -1: an error code (negative errno, a nonzero status) or an ignored result. */
#define FAILS(name) EXPORT long name(void) { return -1; }
/* NULL: no object, no string. */
#define RETURNS_NULL(name) EXPORT void *name(void) { return (void *)0; }
/* 0: where the library's own convention is 0 for failure (libwebp) or for "no capabilities". */
#define RETURNS_ZERO(name) EXPORT long name(void) { return 0; }

#endif
