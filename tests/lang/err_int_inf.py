int(float('-inf'))
