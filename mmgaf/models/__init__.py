from .backbones import *  # noqa: F401,F403
from .gaf import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .localizers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .ops import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
