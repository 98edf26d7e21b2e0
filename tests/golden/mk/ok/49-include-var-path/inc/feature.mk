FEATURE = yes
