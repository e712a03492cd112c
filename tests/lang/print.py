# print: str of each value, sep and end
print('a', 1, 2.5, None, [1, 'b'], (2,), True, sep='|', end='!\n')
print()
print(*[1, 2, 3])
print('x', end='')
print('y')
print('a', 'b', sep='')
print(0.1, 1e20, -0.0, 1/3)
print('quote\'s', ['quote\'s'])
print(1, 2, sep=None, end=None)
x = print('returns None')
x
