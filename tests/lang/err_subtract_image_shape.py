# an image to subtract must have the image shape (a list broadcasts, as in Thunder)
import thunder as td
import numpy as np

data = td.images.fromarray(np.arange(24).reshape(2, 3, 4))
print(data.subtract([3, 2, 1, 0]).toarray()[0])
data.subtract(np.ones((4, 3)))
