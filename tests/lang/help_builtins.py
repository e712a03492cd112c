# help shows the registry's signature and one-line doc
help(len)
help(print)
help(max)
help(round)
help('range')
help(lambda x, y=2: x)
