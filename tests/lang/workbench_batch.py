# The workbench's functions in batch mode: show() and stats() print a text
# summary instead of drawing, run() runs a script command by command,
# quit() ends the script.
import numpy as np
import thunder as td
x = np.arange(12).reshape(3, 4)
show(x)
stats(x)
imgs = td.images.fromarray(np.arange(24).reshape(2, 3, 4))
show(imgs)
show(imgs, index=1, proj='max')
show(imgs, axis=1, proj='max', cmap='viridis')
s = td.series.fromarray(np.array([[1.0, 2.0, 3.0], [5.0, 0.0, 7.0]]))
show(s)
show(s, proj='max')
stats(np.array([1.0, np.nan, 3.0]))
run('workbench_part.py')
part
help(show)
quit()
print('not reached')
