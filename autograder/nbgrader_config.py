# nbgrader configuration of the course: run nbgrader commands (and `dlcourse grade`) from
# this folder. The stock workflow works here: generate_assignment, collect, autograde,
# generate_feedback, export.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "dlcourse"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# the generated feedback must not show hidden tests' source (stock nbgrader's HTML did)
c.ClearHiddenTests.enforce_metadata = True
