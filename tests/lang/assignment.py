# assignment: several targets, unpacking of tuples, lists, strings
a = b = [1]
a, b
x, y = 1, 2
x, y = y, x
x, y
[c, d] = 'xy'
c + d
p, q = [10, 20]
p + q
t = 1,
t
z = 5; z = z + 1; z
