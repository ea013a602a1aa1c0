from .autocast_optim_wrapper import AutocastOptimWrapper
from .channels_last_ddp import ChannelsLastDistributedDataParallel
from .hooks import *  # noqa: F401,F403
from .quiet_console_runner import QuietConsoleFilter, QuietConsoleRunner  # noqa: F401
