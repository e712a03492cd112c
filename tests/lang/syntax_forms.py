# comments, blank lines, ';', line continuation inside brackets and after '\'
x = [1,
     2,   # a comment inside brackets
     3]

y = 1 + \
    2
x; y
z = (x[0]
     + x[1])
z
pass
