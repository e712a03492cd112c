s = 'abc'
s[2]
s[3]
