"""mmgaf's registry nodes.

Every node is a child of the matching MMAction2 node, so a config whose
``default_scope`` is ``'mmgaf'`` builds mmgaf's modules by their plain names
and still finds everything MMAction2 (and, through it, MMEngine) registers:
``Recognizer3D``, ``I3DHead``, ``SampleFrames``, ``CheckpointHook``... A config
that inherits an MMAction2 base (``_base_ = 'mmaction::...'``) reaches mmgaf's
modules with the scope prefix, e.g. ``type='mmgaf.GAFNeck'``.

MMDetection's modules (e.g. its ``FocalLoss``) are reached with the
``mmdet.`` prefix, which MMEngine resolves through the registry tree.
"""
from mmaction.registry import DATA_SAMPLERS as MMACTION_DATA_SAMPLERS
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import EVALUATOR as MMACTION_EVALUATOR
from mmaction.registry import FUNCTION as MMACTION_FUNCTION
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import INFERENCERS as MMACTION_INFERENCERS
from mmaction.registry import LOG_PROCESSORS as MMACTION_LOG_PROCESSORS
from mmaction.registry import LOOPS as MMACTION_LOOPS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODEL_WRAPPERS as MMACTION_MODEL_WRAPPERS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMACTION_OPTIM_WRAPPER_CONSTRUCTORS
from mmaction.registry import OPTIM_WRAPPERS as MMACTION_OPTIM_WRAPPERS
from mmaction.registry import OPTIMIZERS as MMACTION_OPTIMIZERS
from mmaction.registry import PARAM_SCHEDULERS as MMACTION_PARAM_SCHEDULERS
from mmaction.registry import \
    RUNNER_CONSTRUCTORS as MMACTION_RUNNER_CONSTRUCTORS
from mmaction.registry import RUNNERS as MMACTION_RUNNERS
from mmaction.registry import TASK_UTILS as MMACTION_TASK_UTILS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISBACKENDS as MMACTION_VISBACKENDS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmaction.registry import \
    WEIGHT_INITIALIZERS as MMACTION_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS', 'FUNCTION'
]

SCOPE = 'mmgaf'

# Nodes mmgaf adds nothing to still exist, so that building from the 'mmgaf'
# default scope finds MMAction2's and MMEngine's modules without warnings.
RUNNERS = Registry(
    'runner', parent=MMACTION_RUNNERS, scope=SCOPE, locations=['mmgaf'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor',
    parent=MMACTION_RUNNER_CONSTRUCTORS,
    scope=SCOPE,
    locations=['mmgaf'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMACTION_WEIGHT_INITIALIZERS,
    scope=SCOPE,
    locations=['mmgaf.models'])
LOG_PROCESSORS = Registry(
    'log_processor',
    parent=MMACTION_LOG_PROCESSORS,
    scope=SCOPE,
    locations=['mmgaf'])
INFERENCERS = Registry(
    'inferencer',
    parent=MMACTION_INFERENCERS,
    scope=SCOPE,
    locations=['mmgaf.apis'])
FUNCTION = Registry(
    'function', parent=MMACTION_FUNCTION, scope=SCOPE, locations=['mmgaf'])

DATASETS = Registry(
    'dataset',
    parent=MMACTION_DATASETS,
    scope=SCOPE,
    locations=['mmgaf.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMACTION_DATA_SAMPLERS,
    scope=SCOPE,
    locations=['mmgaf.datasets'])
TRANSFORMS = Registry(
    'transform',
    parent=MMACTION_TRANSFORMS,
    scope=SCOPE,
    locations=['mmgaf.datasets.transforms'])

MODELS = Registry(
    'model', parent=MMACTION_MODELS, scope=SCOPE, locations=['mmgaf.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper',
    parent=MMACTION_MODEL_WRAPPERS,
    scope=SCOPE,
    locations=['mmgaf.models'])
TASK_UTILS = Registry(
    'task util',
    parent=MMACTION_TASK_UTILS,
    scope=SCOPE,
    locations=['mmgaf.models'])

HOOKS = Registry(
    'hook', parent=MMACTION_HOOKS, scope=SCOPE, locations=['mmgaf.engine'])
LOOPS = Registry(
    'loop', parent=MMACTION_LOOPS, scope=SCOPE, locations=['mmgaf.engine'])
OPTIMIZERS = Registry(
    'optimizer',
    parent=MMACTION_OPTIMIZERS,
    scope=SCOPE,
    locations=['mmgaf.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMACTION_OPTIM_WRAPPERS,
    scope=SCOPE,
    locations=['mmgaf.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMACTION_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE,
    locations=['mmgaf.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMACTION_PARAM_SCHEDULERS,
    scope=SCOPE,
    locations=['mmgaf.engine'])

METRICS = Registry(
    'metric',
    parent=MMACTION_METRICS,
    scope=SCOPE,
    locations=['mmgaf.evaluation'])
EVALUATOR = Registry(
    'evaluator',
    parent=MMACTION_EVALUATOR,
    scope=SCOPE,
    locations=['mmgaf.evaluation'])

VISUALIZERS = Registry(
    'visualizer',
    parent=MMACTION_VISUALIZERS,
    scope=SCOPE,
    locations=['mmgaf.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMACTION_VISBACKENDS,
    scope=SCOPE,
    locations=['mmgaf.visualization'])
