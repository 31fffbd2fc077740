from kerasgen.utils import distribution_utils
from kerasgen.utils import image_utils
from kerasgen.utils import preset_utils
from kerasgen.utils.image_utils import float_to_uint8
from kerasgen.utils.image_utils import make_image_grid
from kerasgen.utils.image_utils import save_image_grid
from kerasgen.utils.image_utils import uint8_to_float
from kerasgen.utils.image_utils import validate_images
