THIRD = three
