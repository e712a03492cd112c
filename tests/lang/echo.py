# bare expressions echo their repr; None and assignments print nothing
1
'text'
None
x = 42
x
[x, 'x']
print('printed')
pass
y = None
y
x; x + 1; 'semi'
