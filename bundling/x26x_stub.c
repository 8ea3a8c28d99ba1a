/* Stand-ins for the x264 and x265 video-encoder libraries in the Precis bundle.
 *
 * Copyright the Precis team. Licensed under the Apache License, Version 2.0.
 *
 * PyAV's wheel carries an FFmpeg whose libavcodec links libx264 and libx265 (GPL-2.0) for its
 * H.264 and HEVC encoders. Precis only decodes sound and never encodes video, so the bundle ships
 * these instead, under the same file names: libavcodec still loads (every symbol it imports from
 * the two libraries is defined here), and FFmpeg's libx264 and libx265 encoders fail to open, with
 * FFmpeg's own error, if anything ever tries. Nothing here comes from x264 or x265: no header of
 * theirs is included, and every function only says "no" (stub.h). Built by bundling/gpl_free.py with
 *   cc -shared -nostdlib -DSTUB_X264=<build> (or -DSTUB_X265=<build>)
 * where <build> is the API number in the library's name (libx264.so.165 -> x264_encoder_open_165).
 */

#include "stub.h"

EXPORT const char precis_gpl_free_stub[] = "Precis stub in place of a GPL video encoder: no x264 or x265 code";

#ifdef STUB_X264
/* libavcodec's libx264 wrapper walks this table up to an entry whose first byte (the level) is
 * zero; all zero, it stops at once. Sized well past one entry of the real table. */
EXPORT const unsigned char x264_levels[256] = {0};

RETURNS_NULL(PASTE(x264_encoder_open_, STUB_X264))  /* the encoder cannot be opened: FFmpeg says so */
FAILS(x264_encoder_close)
FAILS(x264_encoder_delayed_frames)
FAILS(x264_encoder_encode)
FAILS(x264_encoder_headers)
FAILS(x264_encoder_maximum_delayed_frames)
FAILS(x264_encoder_reconfig)
FAILS(x264_param_apply_fastfirstpass)
FAILS(x264_param_apply_profile)
FAILS(x264_param_cleanup)
FAILS(x264_param_default)
FAILS(x264_param_default_preset)
FAILS(x264_param_parse)
FAILS(x264_picture_init)
#endif

#ifdef STUB_X265
/* FFmpeg asks for the API of each bit depth (8, 10, 12) and treats NULL as "not supported". */
RETURNS_NULL(PASTE(x265_api_get_, STUB_X265))
#endif
