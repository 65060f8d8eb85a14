import json
from collections import Counter

from mmengine.fileio import exists, get_text


def load_json_strict(path: str) -> object:
    """``json.load`` that names the file and refuses repeated keys (the
    standard loader keeps only the last one, losing the others silently:
    e.g. a video listed twice).

    Args:
        path (str): A local path or any path of MMEngine's file backends.

    Raises:
        FileNotFoundError: When the file is absent.
        ValueError: When it is empty, not UTF-8, not JSON, or an object
            repeats a key.
    """
    if not exists(path):
        raise FileNotFoundError(f'{path} does not exist')

    def no_repeats(pairs):
        counts = Counter(key for key, _ in pairs)
        repeated = sorted(key for key, count in counts.items() if count > 1)
        if repeated:
            raise ValueError(f'{path}: key(s) {repeated} repeated in one '
                             'object (e.g. a video listed twice); json would '
                             'keep only the last one')
        return dict(pairs)

    try:
        text = get_text(path)
    except UnicodeDecodeError as error:
        raise ValueError(f'{path}: not UTF-8 text ({error})') from None
    if not text.strip():
        raise ValueError(f'{path}: the file is empty')
    try:
        return json.loads(text, object_pairs_hook=no_repeats)
    except json.JSONDecodeError as error:
        raise ValueError(f'{path}: not valid JSON: {error}') from None
