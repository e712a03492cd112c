# *args spreads a list, tuple or string into positional arguments
args = [3, 1, 2]
max(*args), min(*args, 0), print(*args, sep=', ')
f = lambda a, b, c=0: a * 100 + b * 10 + c
f(*[1, 2]), f(*(1, 2, 3)), f(9, *[8]), f(*[1], *[2], c=5)
print(*'abc')
list(*[[1, 2]])
