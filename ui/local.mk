# ui rules
