# vars() lists the workspace in the order names were first bound
vars()
n = 3
name = 'thunder'
ratio = 0.25
items = [1, 2, 3]
f = lambda x, y=2: x + y
arr = np.zeros((2, 3))
s = arr.sum()
data = images.fromarray(np.zeros((4, 5, 6), dtype=np.uint8))
n = 'rebound'
nothing = None
vars()
