from .setup_env import register_all_modules
from .version_check import check_versions

__all__ = ['register_all_modules', 'check_versions']
