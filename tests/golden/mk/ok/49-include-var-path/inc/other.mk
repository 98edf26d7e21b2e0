OTHER = also
