f = lambda v: v + missing
ok = 1
f(ok)
