# share rules
