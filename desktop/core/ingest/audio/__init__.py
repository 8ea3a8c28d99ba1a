"""Recordings as documents: audio and video sniffed, decoded as a stream, transcribed by Whisper."""
