"""mmgaf: the GAF generative attention module for the OpenMMLab video stack."""
from .utils.version_check import check_versions
from .version import __version__

check_versions()

__all__ = ['__version__']
