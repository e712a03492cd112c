print('line 1')
x = 2
# a comment
y = x + zz * 2
print('not reached')
