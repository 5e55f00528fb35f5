"""Running a class: roster, deadlines, LMS export, regrade changes and the class report."""
