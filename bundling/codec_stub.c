/* Stand-ins for the video codec libraries PyAV's FFmpeg links, in the lean Precis bundle.
 *
 * Copyright the Precis team. Licensed under the Apache License, Version 2.0.
 *
 * libavcodec links SVT-AV1 (AV1 encoder), dav1d (AV1 decoder), libvpx (VP8/VP9), libwebp and
 * libwebpmux (WebP image encoders) and LAME (MP3 encoder). Precis decodes only the sound of a
 * recording, with FFmpeg's own audio decoders (MP3 included), so the lean bundle ships these
 * instead, under the same file names (12 MB less): libavcodec still loads, and the codecs behind
 * them fail to open with FFmpeg's own error if anything ever asks for them. No header or code of
 * those libraries is used; each function only answers "no" in its library's convention (stub.h).
 * Built by bundling/unused_codecs.py with cc -shared -nostdlib -DSTUB_<LIBRARY>=1.
 */

#include "stub.h"

EXPORT const char precis_unused_codec_stub[] = "Precis stub in place of a codec library it never calls";

#ifdef STUB_SVTAV1 /* every entry point returns an EbErrorType, nonzero for an error, or nothing */
FAILS(svt_add_metadata)
FAILS(svt_av1_enc_deinit)
FAILS(svt_av1_enc_deinit_handle)
FAILS(svt_av1_enc_get_packet)
FAILS(svt_av1_enc_get_stream_info)
FAILS(svt_av1_enc_init)
FAILS(svt_av1_enc_init_handle)
FAILS(svt_av1_enc_parse_parameter)
FAILS(svt_av1_enc_release_out_buffer)
FAILS(svt_av1_enc_send_picture)
FAILS(svt_av1_enc_set_parameter)
FAILS(svt_av1_enc_stream_header)
FAILS(svt_av1_enc_stream_header_release)
FAILS(svt_metadata_array_free)
#endif

#ifdef STUB_DAV1D /* negative errno for an error; the version string NULL */
RETURNS_NULL(dav1d_version)
FAILS(dav1d_close)
FAILS(dav1d_data_unref)
FAILS(dav1d_data_wrap)
FAILS(dav1d_data_wrap_user_data)
FAILS(dav1d_default_settings)
FAILS(dav1d_flush)
FAILS(dav1d_get_event_flags)
FAILS(dav1d_get_frame_delay)
FAILS(dav1d_get_picture)
FAILS(dav1d_open)
FAILS(dav1d_parse_sequence_header)
FAILS(dav1d_picture_unref)
FAILS(dav1d_send_data)
#endif

#ifdef STUB_VPX /* vpx_codec_err_t nonzero for an error; no codec interfaces, no capabilities */
RETURNS_NULL(vpx_codec_vp8_cx)
RETURNS_NULL(vpx_codec_vp8_dx)
RETURNS_NULL(vpx_codec_vp9_cx)
RETURNS_NULL(vpx_codec_vp9_dx)
RETURNS_NULL(vpx_codec_build_config)
RETURNS_NULL(vpx_codec_err_to_string)
RETURNS_NULL(vpx_codec_error)
RETURNS_NULL(vpx_codec_error_detail)
RETURNS_NULL(vpx_codec_get_cx_data)
RETURNS_NULL(vpx_codec_get_frame)
RETURNS_NULL(vpx_codec_version_str)
RETURNS_NULL(vpx_img_wrap)
RETURNS_ZERO(vpx_codec_get_caps) /* FFmpeg asks once, when it lists its codecs */
RETURNS_ZERO(vpx_codec_version)
FAILS(vpx_codec_control_)
FAILS(vpx_codec_dec_init_ver)
FAILS(vpx_codec_decode)
FAILS(vpx_codec_destroy)
FAILS(vpx_codec_enc_config_default)
FAILS(vpx_codec_enc_config_set)
FAILS(vpx_codec_enc_init_ver)
FAILS(vpx_codec_encode)
FAILS(vpx_codec_set_frame_buffer_functions)
#endif

#ifdef STUB_WEBP /* libwebp answers 0 for failure */
RETURNS_ZERO(WebPCleanupTransparentArea)
RETURNS_ZERO(WebPConfigInitInternal)
RETURNS_ZERO(WebPEncode)
RETURNS_ZERO(WebPFree)
RETURNS_ZERO(WebPMemoryWrite)
RETURNS_ZERO(WebPMemoryWriterClear)
RETURNS_ZERO(WebPMemoryWriterInit)
RETURNS_ZERO(WebPPictureFree)
RETURNS_ZERO(WebPPictureInitInternal)
RETURNS_ZERO(WebPValidateConfig)
#endif

#ifdef STUB_WEBPMUX /* likewise; no encoder object */
RETURNS_NULL(WebPAnimEncoderNewInternal)
RETURNS_ZERO(WebPAnimEncoderAdd)
RETURNS_ZERO(WebPAnimEncoderAssemble)
RETURNS_ZERO(WebPAnimEncoderDelete)
RETURNS_ZERO(WebPAnimEncoderOptionsInitInternal)
#endif

#ifdef STUB_MP3LAME /* no encoder object; nonzero (negative) for an error */
RETURNS_NULL(lame_init)
FAILS(lame_close)
FAILS(lame_encode_buffer)
FAILS(lame_encode_buffer_float)
FAILS(lame_encode_buffer_int)
FAILS(lame_encode_flush)
FAILS(lame_get_encoder_delay)
FAILS(lame_get_framesize)
FAILS(lame_init_params)
FAILS(lame_set_VBR)
FAILS(lame_set_VBR_mean_bitrate_kbps)
FAILS(lame_set_VBR_quality)
FAILS(lame_set_bWriteVbrTag)
FAILS(lame_set_brate)
FAILS(lame_set_copyright)
FAILS(lame_set_disable_reservoir)
FAILS(lame_set_in_samplerate)
FAILS(lame_set_lowpassfreq)
FAILS(lame_set_mode)
FAILS(lame_set_num_channels)
FAILS(lame_set_original)
FAILS(lame_set_out_samplerate)
FAILS(lame_set_quality)
#endif
