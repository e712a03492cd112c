5 in 6
