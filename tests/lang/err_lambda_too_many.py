f = lambda x: x
f(1)
f(1, 2)
