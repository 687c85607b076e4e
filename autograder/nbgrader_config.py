# nbgrader configuration of the course: run nbgrader commands (and `dlcourse grade`) from
# this folder. The stock workflow works here: generate_assignment, collect, autograde,
# generate_feedback, export.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "dlcourse"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# Stock generate_feedback shows the autograded notebook's test cells as the instructor wrote
# them, hidden tests included: strip the hidden regions before the HTML is written.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
