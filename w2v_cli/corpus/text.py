"""The word rules both corpus readers share: a word is a run of non-whitespace
bytes (ASCII whitespace, as word2vec.c), cut to MAX_WORD_BYTES and decoded once
per distinct word (UTF-8, undecodable bytes replaced by U+FFFD); a newline ends
a sentence, written as SENTENCE_END in the id stream."""

from __future__ import annotations

import codecs

SENTENCE_END = -1
# word2vec.c's MAX_STRING is 100 bytes including the terminator; longer words are cut.
MAX_WORD_BYTES = 99


def text_of(raw: bytes) -> str:
    """The vocabulary string of a counted word: cut to MAX_WORD_BYTES (without
    splitting a UTF-8 sequence), then decoded."""
    if len(raw) > MAX_WORD_BYTES:
        # Drop a UTF-8 sequence the cut split in two rather than leave a U+FFFD.
        raw = utf8_prefix(raw[:MAX_WORD_BYTES])
    return decode_word(raw)


def truncation_note(n: int) -> str:
    return (f"{n} distinct word{'s' if n > 1 else ''} longer than {MAX_WORD_BYTES} bytes "
            f"{'were' if n > 1 else 'was'} truncated to {MAX_WORD_BYTES} bytes, as word2vec.c does")


def decode_word(word: bytes) -> str:
    text = word.decode("utf-8", errors="replace")
    # Unicode knows more whitespace than ASCII (NEL, U+2028, ...); a word must stay
    # one token for every reader of the text vector format.
    if len(text.split()) != 1 or text.split()[0] != text:
        text = "".join("\ufffd" if c.isspace() else c for c in text)
    return text


def utf8_prefix(word: bytes) -> bytes:
    """``word`` without an incomplete UTF-8 sequence at its end (if that leaves
    anything; other invalid bytes stay and decode to U+FFFD)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    decoder.decode(word, final=False)
    pending = len(decoder.getstate()[0])
    return word[:len(word) - pending] if 0 < pending < len(word) else word
