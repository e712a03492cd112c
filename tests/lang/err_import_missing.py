import thunder
import scipy
