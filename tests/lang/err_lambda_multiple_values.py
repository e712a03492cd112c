f = lambda x: x
f(1, x=2)
