"""The one exception of cartsim_io: a file that cannot be read as what it should be."""


class CartsimFileError(Exception):
    """A run file, ensemble directory or summary that is missing, damaged, partial or not
    cartsim's. The message names the file and, where one is at fault, the dataset or attribute;
    `path` and `member` hold them."""

    def __init__(self, message, path=None, member=None):
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.member = member
