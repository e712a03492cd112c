max([1])
max([])
