x = 'ab' * 3
x
y = 'ab' * 10 ** 17
