"""fscnn_lib: the library behind an executable textbook on the regularity of
CNN-generated images in the infinite-resolution limit (A. Habring and M. Holler,
arXiv:2204.10588).

One module per concept of the paper; the public names are re-exported here, so a
chapter writes ``import fscnn_lib as fl`` and calls ``fl.conv_valid(...)``.
Data flows one way: config and grids at the bottom; convolution, padding and
sampling on them; networks on those; regularity, fourier, sobolev on top;
widgets and plotting last.
"""

from .config import *  # noqa: F401,F403
from .grids import *  # noqa: F401,F403
from .measures import *  # noqa: F401,F403
from .images import *  # noqa: F401,F403
from .norms import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .sampling import *  # noqa: F401,F403
from .convolution import *  # noqa: F401,F403
from .conv_exact import *  # noqa: F401,F403
from .conv_bounds import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .sobolev import *  # noqa: F401,F403
from .mollifiers import *  # noqa: F401,F403
from .torus import *  # noqa: F401,F403
from .fourier import *  # noqa: F401,F403
from .architecture import *  # noqa: F401,F403
from .regularity import *  # noqa: F401,F403
from .edges import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .networks import *  # noqa: F401,F403
from .acnn import *  # noqa: F401,F403
from .limits import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .landscape import *  # noqa: F401,F403
from .dip import *  # noqa: F401,F403
from .dip_fit import *  # noqa: F401,F403
from .unet import *  # noqa: F401,F403
from .keep_edges import *  # noqa: F401,F403
from .plotting import *  # noqa: F401,F403
from .widgets import *  # noqa: F401,F403
from . import selfcheck  # noqa: F401  (fl.selfcheck.check, fl.selfcheck.exercises)

__version__ = "0.1.0"
