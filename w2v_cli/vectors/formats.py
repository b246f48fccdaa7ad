"""word2vec vector files (text and binary), read and written as word2vec.c and gensim do.

Both formats start with a header line ``"V D\\n"``.  Then, per word:

* text:   ``word v1 v2 ... vD\\n`` (word2vec.c adds a space before the newline);
* binary: ``word<space>`` followed by D little-endian float32 (4*D bytes); word2vec.c
  writes a ``\\n`` after every vector, gensim writes none.  We accept both.

Loading never evaluates or unpickles anything.  Every way a file can be wrong
(truncated, a header that lies, a short row, NaN/inf, a repeated word, not a
vectors file at all) becomes a one-line ``W2VError`` naming the file and the
line (text) or byte offset (binary) where it went wrong.
"""

import os
import re
import stat
import warnings

import numpy as np

from ..atomic import atomic_write
from ..errors import W2VError

# Bytes that end a word in word2vec.c's ReadWord; a word may contain none of them.
_WORD_BREAKS = (" ", "\t", "\n", "\r", "\v", "\f")
_FLOAT = np.dtype("<f4")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ----------------------------------------------------------------------------- writing


def save_word2vec(path, words, vectors, binary):
    """Write ``words`` and their ``vectors`` (V x D) to ``path`` atomically."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise W2VError(f"cannot write {path}: {len(words)} words but vectors of shape {vectors.shape}")
    vectors = np.ascontiguousarray(vectors, dtype=_FLOAT)
    _check_words_for_writing(path, words)
    from .model_file import all_finite

    bad = None if all_finite(vectors) else ~np.isfinite(vectors).all(axis=1)
    if bad is not None:
        # A file we would refuse to load is not worth writing; training has diverged.
        row = int(np.argmax(bad))
        raise W2VError(f"cannot write {path}: the vector of {words[row]!r} (row {row + 1}) contains NaN or inf")

    n, dim = vectors.shape
    with atomic_write(path, "wb") as fh:
        fh.write(f"{n} {dim}\n".encode("ascii"))
        if binary:
            # word2vec.c layout, newline after each vector; gensim reads it too.
            for word, row in zip(words, vectors):
                fh.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            # %.9g round-trips float32 exactly.
            fmt = " ".join(["%.9g"] * dim)
            for start in range(0, n, 4096):
                block = vectors[start:start + 4096].tolist()
                lines = [f"{w} {fmt % tuple(r)}\n" for w, r in zip(words[start:start + 4096], block)]
                fh.write("".join(lines).encode("utf-8"))


def _check_words_for_writing(path, words):
    # Whole-list checks first (C loops); the loop below only runs to name the bad word.
    try:
        joined = "".join(words)
    except TypeError:
        joined = None
    if (joined is not None and all(words) and not any(ch in joined for ch in _WORD_BREAKS)
            and len(set(words)) == len(words)):
        return
    seen = set()
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word:
            raise W2VError(f"cannot write {path}: word {i + 1} is empty or not a string")
        if any(ch in word for ch in _WORD_BREAKS):
            raise W2VError(f"cannot write {path}: word {word!r} contains whitespace")
        if word in seen:
            raise W2VError(f"cannot write {path}: word {word!r} appears twice")
        seen.add(word)


# ----------------------------------------------------------------------------- reading


def load_word2vec(path, binary=None, no_header=None, limit=None, max_stream_bytes=None):
    """Read a vectors file; return ``(words, vectors)`` with vectors float32 (V, D), C-contiguous.

    ``binary=None`` decides from the content, not the file name: the first rows of
    a text file are printable UTF-8, raw float32 bytes essentially never are.  If
    that guess fails to load, the other format is tried before giving up.

    gzip, bzip2 and xz files are recognised by their first bytes.  ``no_header``:
    None detects a text file without the ``V D`` line (GloVe), True forces that
    reading.  ``limit``: only the first N rows (the N most frequent words), as
    gensim's ``limit``.  A pipe or other stream is read to its end, up to
    ``max_stream_bytes`` (default MAX_STREAM_BYTES).  A ``.w2v`` model file gives
    its (read-only, memory-mapped) vectors; a fastText ``.bin`` model (told by its
    first 4 bytes) its vocabulary's full vectors, as fastText's ``.vec`` has them.
    """
    path = os.fspath(path)
    limit = _check_limit(limit)
    from . import model_file

    from . import fasttext

    if model_file.is_model_file(path):
        model = model_file.load(path)
    elif fasttext.is_fasttext(path):
        return _fasttext_vectors(fasttext.load_fasttext(path), limit)
    else:
        data = read_vectors_bytes(path, max_stream_bytes)
        if data.startswith(fasttext.MAGIC_BYTES):
            return _fasttext_vectors(fasttext.load_fasttext(path, data), limit)
        if not data.startswith(model_file.MAGIC):
            return parse_word2vec(path, data, binary=binary, no_header=no_header, limit=limit)
        model = model_file.load(path, data)
    return model.words_list(limit), model.vectors[:limit] if limit else model.vectors


def _fasttext_vectors(model, limit):
    """A fastText model's vocabulary and full vectors (its .vec file), the first ``limit``."""
    if limit and limit < len(model.words):
        model.words, model.word_rows = model.words[:limit], model.word_rows[:limit]
    return model.words, model.full_vectors()


def parse_word2vec(path, data, binary=None, no_header=None, limit=None):
    """``load_word2vec`` of bytes already read (``data``, decompressed)."""
    n, dim, body, first_line = _parse_header(path, data, no_header)
    if first_line == 1:  # no header: text, every line a row
        return _read_text(path, data, body, n, dim, limit, first_line)
    if binary is not None:
        return (_read_binary if binary else _read_text)(path, data, body, n, dim, limit)
    guess_text = _looks_like_text(data, body, dim)
    first, second = (_read_text, _read_binary) if guess_text else (_read_binary, _read_text)
    try:
        return first(path, data, body, n, dim, limit)
    except _ContentError:
        raise  # the format was right, a value in it is not (and data may be modified)
    except W2VError as error:
        # The guess can only be wrong for tiny dimensions whose float bytes happen to be
        # printable; if the other reading works, the file was fine.  Otherwise report
        # the error of the likelier format.
        try:
            return second(path, data, body, n, dim, limit)
        except W2VError:
            raise error from None


def _check_limit(limit):
    if limit is None or limit is False:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise W2VError(f"limit must be a positive number of words, not {limit!r}")
    return int(limit)


# A vectors file arriving through a pipe is held in memory whole; past this size
# the user should save it to a file (which is read without a second copy).
MAX_STREAM_BYTES = 8 << 30

_GZIP_MAGIC = b"\x1f\x8b\x08"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_BZ2_BLOCK = re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)")  # a first block, or the end of an empty stream


def compression_of(head) -> "str | None":
    """'gzip', 'bzip2' or 'xz' from a file's first bytes (its content, not its name), else None."""
    head = bytes(head[:10])
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_XZ_MAGIC):
        return "xz"
    if _BZ2_BLOCK.match(head):
        return "bzip2"
    return None


def open_input(path, what: str = "vectors"):
    """``path`` opened for binary reading, or a one-line W2VError saying why not
    ("cannot read {what} from PATH: ...")."""
    try:
        return open(path, "rb")
    except IsADirectoryError:
        raise W2VError(f"cannot read {what} from {path}: it is a directory") from None
    except FileNotFoundError:
        raise W2VError(f"cannot read {what} from {path}: no such file") from None
    except OSError as exc:
        raise W2VError(f"cannot read {what} from {path}: {exc.strerror or exc}") from None


def read_vectors_bytes(path, max_stream_bytes=None):
    """The file's bytes as a bytearray, decompressed if compressed; a stream is read to its end."""
    cap = MAX_STREAM_BYTES if max_stream_bytes is None else max_stream_bytes
    try:
        with open_input(path) as fh:
            # A bytearray, so that the binary reader can pack the vectors in place.
            data = _read_all(fh, path, cap)
    except W2VError:
        raise
    except OSError as exc:
        raise W2VError(f"cannot read vectors from {path}: {exc.strerror or exc}") from None
    kind = compression_of(data)
    return data if kind is None else _decompress(path, data, kind, cap)


def _decompress(path, data, kind, cap):
    import bz2
    import gzip
    import io
    import lzma
    import zlib

    opener = {"gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"), "bzip2": bz2.BZ2File,
              "xz": lzma.LZMAFile}[kind]
    out = bytearray()
    try:
        with opener(io.BytesIO(data)) as fh:
            del data  # the compressed bytes are held by the BytesIO only
            while True:
                chunk = fh.read(1 << 24)
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:
                    raise W2VError(f"cannot read vectors from {path}: it decompresses to more than "
                                   f"{cap:,} bytes")
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        raise W2VError(f"cannot read vectors from {path}: its {kind} data is damaged or truncated "
                       f"({' '.join(str(exc).split()) or type(exc).__name__})") from None
    return out


class _ContentError(W2VError):
    """The file parsed in the format tried, but its content is wrong (NaN, a repeated word)."""


def _read_all(fh, path, cap):
    st = os.fstat(fh.fileno())
    if stat.S_ISREG(st.st_mode):
        data = bytearray(st.st_size)
        got = fh.readinto(data)
        if got == st.st_size:
            return data
        del data[got:]  # the file changed size while we read it
    else:
        data = bytearray()  # a pipe, FIFO or device: read to its end, within the cap
    while True:
        chunk = fh.read(1 << 24)
        if not chunk:
            return data
        data += chunk
        if len(data) > cap:
            raise W2VError(f"cannot read vectors from {path}: it is a stream longer than {cap:,} bytes; "
                           "save it to a file first")


def _parse_header(path, data, no_header=None):
    """(rows promised or None, dimension, offset of the first row, its line number).

    A first line of two numbers is the header.  Without it (``no_header``, or
    detected when the first two lines are a word and the same count of numbers,
    as GloVe writes) every line is a row: the row count is None (all lines)."""
    if not data:
        raise W2VError(f"{path} is empty, not a word2vec vectors file")
    if no_header:
        dim = _headerless_dim(data, require_second=False)
        if dim is None:
            raise W2VError(f"{path} is not a header-less vectors file: line 1 should be 'WORD X1 ... XD'")
        return None, dim, 0, 1
    end = data.find(b"\n", 0, 200)
    head = data[:end if end >= 0 else 200]
    parts = head.split()
    if end < 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        dim = None if no_header is False else _headerless_dim(data, require_second=True)
        if dim is not None:
            return None, dim, 0, 1
        bad = f"{path} is not a word2vec vectors file: line 1 should be 'VOCAB_SIZE DIMENSION'"
        raise W2VError(bad + f", found {head[:40].decode('utf-8', 'replace')!r}")
    n, dim = int(parts[0]), int(parts[1])
    if dim < 1:
        raise W2VError(f"{path}: the header gives dimension {dim}; it must be at least 1")
    return n, dim, end + 1, 2


_MAX_LINE = 1 << 22  # a first line longer than this is no row of vectors


def _headerless_dim(data, require_second):
    """The dimension if the first line is 'word x1 ... xD' (D >= 1) and, with
    ``require_second``, a second line exists with as many fields; else None."""
    end = data.find(b"\n", 0, _MAX_LINE)
    if end < 0:
        if require_second or len(data) > _MAX_LINE:
            return None
        end = len(data)
    first = bytes(data[:end])
    if _CONTROL.search(first):
        return None
    try:
        fields = first.decode("utf-8").split()
    except UnicodeDecodeError:
        return None
    if len(fields) < 2 or not first[:1].strip():
        return None
    try:
        [float(x) for x in fields[1:]]
    except ValueError:
        return None
    if require_second:
        stop = data.find(b"\n", end + 1, end + 1 + _MAX_LINE)
        second = bytes(data[end + 1:stop if stop >= 0 else end + 1 + _MAX_LINE])
        if len(second.split()) != len(fields):
            return None
    return len(fields) - 1


def _looks_like_text(data, start, dim):
    """Raw float32 bytes are full of control bytes and invalid UTF-8; text rows are not."""
    sample = data[start:start + 4 * dim + 4096]
    if _CONTROL.search(sample):
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # only a multibyte character cut by the sample end
    return True


def _read_binary(path, data, pos, n, dim, limit=None):
    """A tight Python loop finds where each row's word ends (raw float bytes may contain
    spaces, so rows must be walked in order); validation and the copy of all vector
    bytes are then done in bulk.  (The file is read, not mmap'ed: a file truncated by
    someone else while mapped would kill the process with SIGBUS.)"""
    row_bytes = dim * _FLOAT.itemsize
    size = len(data)
    find = data.find
    limited = limit is not None and limit < n
    if limited:
        n = limit
    starts, spaces = [], []  # where each row's word starts, where its space is
    space = 0
    for _ in range(n):
        while pos < size and data[pos] == 10:  # word2vec.c's newline after the previous vector
            pos += 1
        space = find(b" ", pos)
        if space < 0 or space + 1 + row_bytes > size:
            break
        starts.append(pos)
        spaces.append(space)
        pos = space + 1 + row_bytes

    raws = [data[s:e] for s, e in zip(starts, spaces)]
    if len(raws) < n and 0 <= space:
        raws.append(data[pos:space])  # the incomplete row's word: is it even a word?
    bad = _first_bad_word(raws)
    if bad is not None:
        where = starts[bad] if bad < len(starts) else pos
        raise W2VError(
            f"{path}: no word followed by a space at byte offset {where} (vector {bad + 1} of {n}); "
            "the file is damaged or truncated, or its header gives the wrong dimension"
        )
    found = len(starts)
    if found < n:
        if pos >= size:
            raise W2VError(f"{path} is truncated: the header promises {n} vectors but the file ends "
                           f"after {found} (byte offset {pos})")
        if space < 0:
            raise W2VError(f"{path}: no word followed by a space at byte offset {pos} (vector {found + 1} of {n}); "
                           "the file is damaged or truncated, or its header gives the wrong dimension")
        raise W2VError(f"{path} is truncated: vector {found + 1} of {n} at byte offset {space + 1} needs "
                       f"{row_bytes} bytes, only {size - space - 1} remain")
    if not limited and data[pos:].strip(b"\n\r\t ") != b"":
        raise W2VError(
            f"{path}: unexpected data at byte offset {pos} after the {n} vectors the header promises; "
            "the header gives the wrong vocabulary size or dimension"
        )

    words = [raw.decode("utf-8", "replace") for raw in raws]
    vectors = _pack_rows(data, spaces, row_bytes).reshape(n, dim)
    _check_rows(path, words, vectors, lambda row: f"byte offset {starts[row]}",
                lambda first: f"vectors {first + 1} and")
    return words, vectors


def _check_rows(path, words, vectors, where, first_seen) -> None:
    """Refuse non-finite vectors and repeated words; ``where(row)`` names a row's
    place in the file, ``first_seen(row)`` the earlier occurrence of a word."""
    from .model_file import all_finite

    if not all_finite(vectors):
        row = int(np.argmax(~np.isfinite(vectors).all(axis=1)))
        raise _ContentError(f"{path}: {where(row)}: the vector of {words[row]!r} contains NaN or inf")
    dup = _first_duplicate(words)
    if dup is not None:
        raise _ContentError(f"{path}: {where(dup[1])}: word {words[dup[1]]!r} appears twice "
                            f"({first_seen(dup[0])} {dup[1] + 1})")


def _pack_rows(data, spaces, row_bytes):
    """float32 array of the vector bytes that follow each space, in row order.

    A writable bytearray is packed in place (each row moves towards the start, so
    memmove never overwrites bytes still to be read): no second copy of the file.
    """
    n = len(spaces)
    if isinstance(data, bytearray):
        with memoryview(data) as view:
            for i, space in enumerate(spaces):
                view[i * row_bytes:(i + 1) * row_bytes] = view[space + 1:space + 1 + row_bytes]
        packed = data
    else:
        view = memoryview(data)
        packed = bytearray().join([view[e + 1:e + 1 + row_bytes] for e in spaces])
    vectors = np.frombuffer(packed, dtype=_FLOAT, count=n * row_bytes // _FLOAT.itemsize)
    if _FLOAT != np.dtype(np.float32):  # big-endian machine
        vectors = vectors.astype(np.float32)
    return vectors


def _first_bad_word(raws):
    """Index of the first empty word or word containing a line break or tab, else None."""
    joined = b" ".join(raws)
    if all(raws) and b"\n" not in joined and b"\t" not in joined and b"\r" not in joined:
        return None
    for i, raw in enumerate(raws):
        if not raw or b"\n" in raw or b"\t" in raw or b"\r" in raw:
            return i
    return None


def _read_text(path, data, body, n, dim, limit=None, first_line=2):
    """Split off the words in Python, parse all numbers with numpy's C reader.

    ``n`` None (no header): every line is a row.  ``first_line`` is the line
    number of the first row, for messages.  Anything unexpected sends us to
    ``_scan_text``, which is slow but says which line is wrong and why.
    """
    limited = limit is not None and (n is None or limit < n)
    end = len(data)
    if limited:  # decode only the rows wanted
        pos = body
        for _ in range(limit):
            pos = data.find(b"\n", pos) + 1
            if pos == 0:
                break
        end = pos if pos else len(data)
    text = data[body:end].decode("utf-8", "replace")
    # Split on '\n' only: str.splitlines would also break inside words at \x85, \u2028, ...
    lines = text.split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()  # final newline (or trailing blank lines) after the last row
    if n is None:
        n = len(lines)
        if n == 0:
            raise W2VError(f"{path} is empty, not a word2vec vectors file")
    elif limited:
        n = limit
    if len(lines) < n:
        raise W2VError(f"{path} is truncated: the header promises {n} vectors but there are only {len(lines)} lines")
    if len(lines) > n:
        raise W2VError(f"{path}: line {n + first_line}: more rows than the {n} the header promises")

    if n == 0:
        return [], np.zeros((0, dim), np.float32)
    parts = [line.partition(" ") for line in lines]
    words = [p[0] for p in parts]
    vectors = None
    if all(words):
        try:
            with warnings.catch_warnings():  # an empty row is reported by _scan_text instead
                warnings.simplefilter("ignore")
                vectors = np.loadtxt([p[2] for p in parts], dtype=np.float32, delimiter=None,
                                     comments=None, quotechar=None, ndmin=2)
        except ValueError:
            vectors = None
    if vectors is None or vectors.shape != (n, dim):
        _scan_text(path, lines, dim, first_line)
        raise W2VError(f"{path}: cannot parse the vectors")  # not reached: the scan finds the line
    vectors = np.ascontiguousarray(vectors)
    _check_rows(path, words, vectors, lambda row: f"line {row + first_line}",
                lambda first: f"first on line {first + first_line}, again as vector")
    return words, vectors


def _scan_text(path, lines, dim, first_line=2):
    """Raise W2VError for the first malformed line of a text vectors file."""
    for i, line in enumerate(lines):
        where = f"{path}: line {i + first_line}"
        word, _, rest = line.partition(" ")
        if not word:
            raise W2VError(f"{where}: the line does not start with a word")
        tokens = rest.split()
        if len(tokens) != dim:
            raise W2VError(f"{where}: expected {dim} numbers after the word, found {len(tokens)}")
        for token in tokens:
            try:
                np.float32(token)
            except ValueError:
                raise W2VError(f"{where}: {token[:30]!r} is not a number") from None


def _first_duplicate(words):
    """(first, second) row numbers of the first repeated word, or None."""
    if len(set(words)) == len(words):
        return None
    seen = {}
    for i, word in enumerate(words):
        if word in seen:
            return seen[word], i
        seen[word] = i
