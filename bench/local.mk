# bench rules
