// expect: 2:31: parameter 'y' with a direction follows a parameter without direction
action a(bit<8> x, out bit<8> y) { y = x; }
