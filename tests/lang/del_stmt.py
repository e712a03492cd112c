# del removes names; they can be assigned again
x = 1
y = 2
del x
y
x = 3
x
del x, y
x = 'again'
x
