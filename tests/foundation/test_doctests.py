"""The ``Example:`` blocks of the docstrings run and print what they show."""
import doctest

import pytest

import mmgaf.datasets.converters.bmn
import mmgaf.evaluation.metrics.proposal_detection_metric
import mmgaf.models.localizers.afsd
import mmgaf.models.localizers.bmn_with_neck
import mmgaf.models.necks.gaf
import mmgaf.models.ops.boundary_pooling
import mmgaf.utils.dist_env


@pytest.mark.parametrize(
    'module', [
        mmgaf.models.necks.gaf, mmgaf.models.localizers.afsd,
        mmgaf.models.ops.boundary_pooling, mmgaf.utils.dist_env,
        mmgaf.datasets.converters.bmn,
        mmgaf.evaluation.metrics.proposal_detection_metric,
        mmgaf.models.localizers.bmn_with_neck
    ],
    ids=lambda module: module.__name__)
def test_examples(module):
    results = doctest.testmod(
        module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert results.attempted > 0, f'{module.__name__} has no example'
    assert results.failed == 0
