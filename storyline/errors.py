"""The one error type storyline raises for bad input or a bad store."""


class StorylineError(Exception):
    """A problem the user can act on; str() is one line naming the file and the problem."""


class InputError(StorylineError):
    """An input file or record that cannot be read as an article."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")
