# included
C = 3
.error failing in the included file
