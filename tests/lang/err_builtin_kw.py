print(1, sepp=' ')
