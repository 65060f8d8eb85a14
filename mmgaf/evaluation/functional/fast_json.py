"""Strict JSON loading for large detection files, parsed by orjson.

:func:`mmgaf.fileio.load_json_strict` refuses an object that repeats a key
(``json`` would keep the last one: e.g. a video listed twice) through an
``object_pairs_hook`` called for every object, which costs twice the
parse. Here orjson (a compiled parser, several times faster than ``json``)
parses the file, and a repeated key is detected by counting: the parsed
objects keep one value per key, so the text has more key-value pairs (its
colons outside strings) than the parsed data written back by orjson
exactly when some object repeats a key (a vectorised count of each, a few
milliseconds for megabytes). Any file that is not plainly valid (a
repeated key, empty, not UTF-8, not JSON, or JSON that only ``json``
reads, such as ``NaN``) is handed to :func:`~mmgaf.fileio.
load_json_strict`, whose answer and error messages are the contract.
"""
import gc
from contextlib import contextmanager

import numpy as np
import orjson
from mmengine.fileio import exists, get

from mmgaf.fileio import load_json_strict


def load_json(path: str) -> object:
    """What :func:`~mmgaf.fileio.load_json_strict` returns or raises for
    ``path``, faster for large files. The one difference: integers beyond
    64 bits come back as the nearest float (orjson's reading), not as
    ``int``.

    Args:
        path (str): A local path or any path of MMEngine's file backends.

    Returns:
        object: The parsed JSON.
    """
    if not exists(path):
        raise FileNotFoundError(f'{path} does not exist')
    raw = get(path)
    try:
        with cyclic_gc_paused():
            data = orjson.loads(raw)
        # orjson writes back at most 254 levels of nesting (an error).
        num_parsed_pairs = count_pairs(orjson.dumps(data))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return load_json_strict(path)
    if count_pairs(raw) != num_parsed_pairs:
        # Some object repeats a key: the strict loader names it.
        return load_json_strict(path)
    return data


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector, if it runs, for the block.

    Parsing a large file creates 10**5 containers in a burst: each
    collection the burst triggers walks every tracked object alive, and
    together they cost several times the parse. JSON values hold no
    cycles, so the collector has nothing to find in them; reference
    counting frees them as always.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def count_pairs(raw: bytes) -> int:
    """The number of key-value pairs in valid JSON text: its colons outside
    strings.

    A quote opens or closes a string unless a backslash escapes it (an odd
    number of backslashes before it); a colon is outside strings when an
    even number of such quotes precede it. UTF-8 continuation bytes never
    equal these ASCII bytes.
    """
    text = np.frombuffer(raw, dtype=np.uint8)
    quotes = (text == ord('"')).nonzero()[0]
    backslash = text == ord('\\')
    if backslash.any() and len(quotes):
        # The run of backslashes before each quote: its position minus
        # that of the last byte before it that is not a backslash.
        positions = np.arange(len(text))
        last_other = np.maximum.accumulate(np.where(backslash, -1, positions))
        before = quotes[quotes > 0] - 1
        run = np.zeros(len(quotes), dtype=np.int64)
        run[quotes > 0] = before - last_other[before]
        quotes = quotes[run % 2 == 0]
    colons = (text == ord(':')).nonzero()[0]
    outside = np.searchsorted(quotes, colons) % 2 == 0
    return int(np.count_nonzero(outside))
