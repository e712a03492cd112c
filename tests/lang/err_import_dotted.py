import numpy.linalg
