import json
from typing import List, Optional, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def load_scalars(scalars_file: str) -> List[dict]:
    """The records of MMEngine's ``vis_data/scalars.json``: one JSON object
    per line (training records hold ``iter`` and the losses, validation
    records the metrics; ``step`` is the x value of both).

    Args:
        scalars_file (str): The file.

    Returns:
        list[dict]: The records, in order.
    """
    records = []
    with open(scalars_file) as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{scalars_file}, line {number}: not JSON: '
                                 f'{error}') from None
            if not isinstance(record, dict) or 'step' not in record:
                raise ValueError(f'{scalars_file}, line {number}: a record '
                                 'needs a "step"')
            records.append(record)
    if not records:
        raise ValueError(f'{scalars_file} has no record')
    return records


def draw_training_curves(records: Sequence[dict],
                         loss_keys: Optional[Sequence[str]] = None,
                         metric_keys: Optional[Sequence[str]] = None,
                         title: Optional[str] = None,
                         out_file: Optional[str] = None) -> Figure:
    """Training losses against the iteration and validation metrics against
    the epoch, from :func:`load_scalars`' records.

    Two panels side by side (one when there is no validation), 1200 x 400
    pixels at 100 dpi.

    Args:
        records (Sequence[dict]): The scalars.
        loss_keys (Sequence[str], optional): The losses drawn; defaults to
            every key starting with ``loss`` in the training records.
        metric_keys (Sequence[str], optional): The metrics drawn; defaults
            to every key of the validation records holding ``mAP``.
        title (str, optional): Figure title.
        out_file (str, optional): Where to save a PNG (100 dpi).

    Returns:
        Figure: The matplotlib figure.
    """
    train = [record for record in records if 'iter' in record]
    val = [record for record in records if 'iter' not in record]
    if loss_keys is None:
        loss_keys = sorted({
            key
            for record in train
            for key in record if key.startswith('loss')
        })
    if metric_keys is None:
        metric_keys = sorted(
            {key
             for record in val
             for key in record if 'mAP' in key})
    if not loss_keys and not metric_keys:
        raise ValueError('the records hold no loss and no metric to draw')
    panels = [keys for keys in (loss_keys, metric_keys) if keys]
    figure = Figure(figsize=(12, 4))
    FigureCanvasAgg(figure)
    for index, keys in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        source = train if keys is loss_keys else val
        for key in keys:
            points = np.array([(record['step'], record[key])
                               for record in source if key in record],
                              dtype=float).reshape(-1, 2)
            axes.plot(
                points[:, 0],
                points[:, 1],
                marker='.' if len(points) < 30 else None,
                linewidth=1,
                label=key)
        axes.set_xlabel('iteration' if keys is loss_keys else 'epoch')
        axes.set_ylabel('loss' if keys is loss_keys else 'metric')
        values = [line.get_ydata() for line in axes.get_lines()]
        if keys is loss_keys and all((v > 0).all() for v in values):
            # losses fall over orders of magnitude
            axes.set_yscale('log')
        axes.legend(fontsize=7)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if out_file:
        figure.savefig(out_file, dpi=100)
    return figure
