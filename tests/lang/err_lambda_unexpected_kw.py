f = lambda x: x
f(y=1)
