x = 1
x.foo
