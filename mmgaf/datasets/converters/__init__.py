"""Converters of published TAD annotation layouts into mmgaf's format.

The command-line front ends are ``tools/data/thumos14/convert_annotations.py``
and ``tools/data/activitynet/convert_annotations.py``; UCF101's split files
(recognition) go through ``tools/data/ucf101/build_file_lists.py``, and
``tools/data/convert_to_bmn.py`` writes a feature dataset in the layout of
MMAction2's BMN.
"""
from .activitynet import add_activitynet, read_action_names
from .annotation_builder import FIXES, ConversionReport, TADAnnotationBuilder
from .bmn import bin_means, bmn_name, rescale_features, write_bmn_dataset
from .thumos14 import (AMBIGUOUS, add_thumos14_csv,
                       add_thumos14_groundtruth_csv, add_thumos14_txt,
                       add_thumos_gt_json, merge_video_info, read_class_index,
                       read_video_info)
from .ucf101 import read_ucf101_classes, read_ucf101_split

__all__ = [
    'FIXES', 'ConversionReport', 'TADAnnotationBuilder', 'AMBIGUOUS',
    'read_class_index', 'read_video_info', 'merge_video_info',
    'add_thumos14_csv', 'add_thumos14_txt', 'add_thumos14_groundtruth_csv',
    'add_thumos_gt_json', 'read_action_names', 'add_activitynet',
    'read_ucf101_classes', 'read_ucf101_split', 'bin_means', 'bmn_name',
    'rescale_features', 'write_bmn_dataset'
]
