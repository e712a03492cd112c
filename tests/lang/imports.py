# imports bind modules; thunder and numpy are also predefined as td and np
import thunder as td
import numpy as np
import numpy
from thunder import images, series
from thunder import images as im
import numpy.random
td
np
numpy
numpy.random
images
im
np is numpy, td.images == images
from numpy import array
array([1, 2])
